package io.streamtrain.core.eval;

import io.streamtrain.core.data.Example;

/**
 * Samples predicted but waiting for their labels ({@link LabelDelay}), oldest first: a growable ring of copies,
 * each with the model's prediction as it was when the sample arrived ({@code k} values), so a delayed label scores
 * the prediction made before any later training.
 */
final class PendingLabels {
  private final int k;
  private Example[] pending = new Example[16];
  private double[] predictions;
  private int head;
  private int size;

  PendingLabels(int k) {
    this.k = k;
    this.predictions = new double[16 * k];
  }

  int size() {
    return size;
  }

  /** Appends a copy of {@code e} with the first {@code k} values of {@code prediction}. */
  void add(Example e, double[] prediction) {
    if (size == pending.length) {
      int cap = pending.length * 2;
      Example[] np = new Example[cap];
      double[] npp = new double[cap * k];
      for (int i = 0; i < size; i++) {
        int j = (head + i) % pending.length;
        np[i] = pending[j];
        System.arraycopy(predictions, j * k, npp, i * k, k);
      }
      pending = np;
      predictions = npp;
      head = 0;
    }
    int tail = (head + size) % pending.length;
    if (pending[tail] == null) {
      pending[tail] = new Example();
    }
    pending[tail].copyFrom(e);
    System.arraycopy(prediction, 0, predictions, tail * k, k);
    size++;
  }

  /** The oldest sample; valid until the next {@link #add}. */
  Example head() {
    return pending[head];
  }

  /** The array holding the oldest sample's prediction, at {@link #headOffset()}. */
  double[] predictions() {
    return predictions;
  }

  int headOffset() {
    return head * k;
  }

  /** Drops the oldest sample. */
  void removeHead() {
    head = head + 1 == pending.length ? 0 : head + 1;
    size--;
  }
}
