package io.streamtrain.cli;

import io.streamtrain.io.MutableSample;
import io.streamtrain.io.SampleReader;
import java.io.IOException;
import java.util.SplittableRandom;

/**
 * {@code produce --shuffle}: a seeded shuffle of a file in bounded memory. A window of W samples is filled, then
 * each step sends a uniformly drawn one and reads the next line into its place; at the end the window drains in
 * random order. Memory is W samples whatever the file's size; a file sorted by class is mixed within spans of about
 * W rows (a full shuffle when W >= the row count). Same file, W and seed: the same order.
 */
final class WindowShuffle implements SampleSource {
  private final SampleReader reader;
  private final MutableSample[] window;
  private final SplittableRandom random;
  private int filled;
  private boolean ended;

  WindowShuffle(SampleReader reader, int capacity, long seed) {
    this.reader = reader;
    this.window = new MutableSample[capacity];
    this.random = new SplittableRandom(seed);
  }

  @Override
  public MutableSample next() throws IOException {
    while (!ended && filled < window.length) {
      if (window[filled] == null) {
        window[filled] = new MutableSample();
      }
      if (reader.next(window[filled])) {
        filled++;
      } else {
        ended = true;
      }
    }
    if (filled == 0) {
      return null;
    }
    // Swap the drawn sample to the end of the live part: its slot is the one the next read refills.
    int j = random.nextInt(filled);
    filled--;
    MutableSample drawn = window[j];
    window[j] = window[filled];
    window[filled] = drawn;
    return drawn;
  }
}
