package io.streamtrain.core.data;

/**
 * The part of a {@link ShuffleBuffer}'s slot codec that every {@link Example} buffer shares: a new slot is an empty
 * example and a sample is copied into its slot with {@link Example#copyFrom}. Subclasses say how slots are written
 * to and read from state (or that a buffer kept only in memory never is).
 */
public abstract class ExampleSlots implements ShuffleBuffer.SlotCodec<Example> {
  @Override
  public final Example newSlot() {
    return new Example();
  }

  @Override
  public final void copy(Example from, Example to) {
    to.copyFrom(from);
  }
}
