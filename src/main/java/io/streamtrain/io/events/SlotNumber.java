package io.streamtrain.io.events;

/**
 * A number kept in a slot of a read event without boxing: one instance per slot, overwritten by the next event.
 * It answers {@link Values} exactly as the boxed value the readers kept before would (an Integer or Long for an
 * integral value, a Float or Double otherwise): the same {@code doubleValue}, {@code longValue} and text
 * ({@code String.valueOf}). Only the mapping reads it, while the event is current; nothing keeps it.
 */
final class SlotNumber extends Number {
  private static final long serialVersionUID = 1L;
  private static final byte INTEGRAL = 0;
  private static final byte FLOAT = 1;
  private static final byte DOUBLE = 2;

  private byte kind;
  private long integral;
  private double real;

  /** This slot now holds the integral value {@code v} (an Avro int or long, a JSON integer). */
  SlotNumber integral(long v) {
    kind = INTEGRAL;
    integral = v;
    return this;
  }

  /** This slot now holds the float {@code v} (an Avro float: its text is the Float's). */
  SlotNumber single(float v) {
    kind = FLOAT;
    real = v;
    return this;
  }

  /** This slot now holds the double {@code v}. */
  SlotNumber real(double v) {
    kind = DOUBLE;
    real = v;
    return this;
  }

  @Override
  public int intValue() {
    return kind == INTEGRAL ? (int) integral : (int) real;
  }

  @Override
  public long longValue() {
    return kind == INTEGRAL ? integral : (long) real;
  }

  @Override
  public float floatValue() {
    return kind == INTEGRAL ? (float) integral : (float) real;
  }

  @Override
  public double doubleValue() {
    return kind == INTEGRAL ? (double) integral : real;
  }

  @Override
  public String toString() {
    return switch (kind) {
      case INTEGRAL -> Long.toString(integral);
      case FLOAT -> Float.toString((float) real);
      default -> Double.toString(real);
    };
  }
}
