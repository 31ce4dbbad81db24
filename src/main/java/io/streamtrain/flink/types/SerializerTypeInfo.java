package io.streamtrain.flink.types;

import java.util.function.Supplier;
import org.apache.flink.api.common.serialization.SerializerConfig;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;

/** Type information that hands Flink a given serializer, so a stream of a streamtrain type never falls to Kryo. */
public final class SerializerTypeInfo<T> extends TypeInformation<T> {
  private static final long serialVersionUID = 1L;
  private final Class<T> type;
  private final TypeSerializer<T> serializer;

  public SerializerTypeInfo(Class<T> type, TypeSerializer<T> serializer) {
    this.type = type;
    this.serializer = serializer;
  }

  public static <T> SerializerTypeInfo<T> of(Class<T> type, Supplier<TypeSerializer<T>> s) {
    return new SerializerTypeInfo<>(type, s.get());
  }

  @Override
  public boolean isBasicType() {
    return false;
  }

  @Override
  public boolean isTupleType() {
    return false;
  }

  @Override
  public int getArity() {
    return 1;
  }

  @Override
  public int getTotalFields() {
    return 1;
  }

  @Override
  public Class<T> getTypeClass() {
    return type;
  }

  @Override
  public boolean isKeyType() {
    return false;
  }

  @Override
  public TypeSerializer<T> createSerializer(SerializerConfig config) {
    return serializer.duplicate();
  }

  @Override
  public String toString() {
    return "SerializerTypeInfo<" + type.getSimpleName() + ">";
  }

  @Override
  public boolean equals(Object obj) {
    return obj instanceof SerializerTypeInfo<?> o && o.type == type && o.serializer.equals(serializer);
  }

  @Override
  public int hashCode() {
    return type.hashCode() * 31 + serializer.hashCode();
  }

  @Override
  public boolean canEqual(Object obj) {
    return obj instanceof SerializerTypeInfo;
  }
}
