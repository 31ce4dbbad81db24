package io.streamtrain.core.data;

import io.streamtrain.core.random.Xoshiro256;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.function.Supplier;

/**
 * A fixed-capacity shuffle buffer: samples are copied into preallocated slots as they arrive, and a mini-batch is
 * drawn uniformly at random without replacement from everything buffered, so batches approximate i.i.d. draws
 * from recent data rather than arrival order (Goodfellow et al., Deep Learning, 8.1.3: consecutive examples are
 * correlated; minibatches should be selected randomly). Each sample is drawn exactly once.
 *
 * <p>A draw swaps the chosen slot to the end of the occupied region (a partial Fisher-Yates shuffle), so the batch
 * is the slot range {@code [size, size + n)} right after the draw: no copying and no allocation. Those slots stay
 * valid until the next {@link #add}. The random generator is part of the state, so a restored buffer draws the
 * same batches as the original.
 *
 * @param <T> the mutable, reusable sample type
 */
public final class ShuffleBuffer<T> {
  /** How to copy a sample into a slot and how to (de)serialize one, so slots are reused and checkpointed. */
  public interface SlotCodec<T> {
    T newSlot();

    void copy(T from, T to);

    void write(T sample, DataOutput out) throws IOException;

    void read(DataInput in, T into) throws IOException;
  }

  private static final int FORMAT_VERSION = 1;

  private final SlotCodec<T> codec;
  private final Object[] slots;
  private final Xoshiro256 rng;
  private int size;

  public ShuffleBuffer(int capacity, long seed, SlotCodec<T> codec) {
    if (capacity < 1) {
      throw new IllegalArgumentException("shuffle buffer capacity must be >= 1, got " + capacity);
    }
    this.codec = codec;
    this.slots = new Object[capacity];
    this.rng = new Xoshiro256(seed);
    Supplier<T> factory = codec::newSlot;
    for (int i = 0; i < capacity; i++) {
      slots[i] = factory.get();
    }
  }

  public int capacity() {
    return slots.length;
  }

  public int size() {
    return size;
  }

  public boolean isFull() {
    return size == slots.length;
  }

  public boolean isEmpty() {
    return size == 0;
  }

  /** Copies {@code sample} into a free slot; the caller keeps ownership of {@code sample}. */
  public void add(T sample) {
    if (size == slots.length) {
      throw new IllegalStateException("shuffle buffer is full (" + size + "); draw a batch first");
    }
    codec.copy(sample, slot(size));
    size++;
  }

  /**
   * Draws {@code min(n, size())} samples uniformly at random without replacement and returns how many were
   * drawn; they are then {@code slot(size())} .. {@code slot(size() + drawn - 1)}, in draw order.
   */
  public int draw(int n) {
    int k = Math.min(n, size);
    for (int i = 0; i < k; i++) {
      int j = rng.nextInt(size);
      int last = size - 1;
      Object tmp = slots[j];
      slots[j] = slots[last];
      slots[last] = tmp;
      size = last;
    }
    // Draw order is reverse slot order (the first drawn went to the highest index): put it forward.
    for (int lo = size, hi = size + k - 1; lo < hi; lo++, hi--) {
      Object tmp = slots[lo];
      slots[lo] = slots[hi];
      slots[hi] = tmp;
    }
    return k;
  }

  @SuppressWarnings("unchecked")
  public T slot(int i) {
    return (T) slots[i];
  }

  public Xoshiro256 rng() {
    return rng;
  }

  /** Writes the buffered samples and the generator state (the drawn-but-consumed slots are not state). */
  public void write(DataOutput out) throws IOException {
    out.writeByte(FORMAT_VERSION);
    out.writeInt(slots.length);
    rng.write(out);
    out.writeInt(size);
    for (int i = 0; i < size; i++) {
      codec.write(slot(i), out);
    }
  }

  public void read(DataInput in) throws IOException {
    int version = in.readByte();
    if (version != FORMAT_VERSION) {
      throw new IOException("unsupported shuffle buffer format version " + version + " (this build reads "
          + FORMAT_VERSION + ")");
    }
    int capacity = in.readInt();
    if (capacity != slots.length) {
      throw new IOException("shuffle buffer capacity mismatch: state has " + capacity + ", configured "
          + slots.length + " (change the capacity only with a fresh state)");
    }
    rng.read(in);
    int n = in.readInt();
    if (n < 0 || n > capacity) {
      throw new IOException("corrupt shuffle buffer state: size " + n + " for capacity " + capacity);
    }
    for (int i = 0; i < n; i++) {
      codec.read(in, slot(i));
    }
    size = n;
  }
}
