package io.streamtrain.cli;

import io.streamtrain.io.MutableSample;
import io.streamtrain.io.SampleProducer;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.LongToDoubleFunction;

/**
 * {@code produce}'s two stages, so parsing overlaps with the Kafka client's own work (record batching, lz4): a reader
 * thread takes samples from a {@link SampleSource}, prepares, keys and encodes them into chunks, and the calling
 * thread sends the chunks, paced to a rate when one is given, and shows progress. The queue between them is short,
 * so memory stays bounded. A stop request (Ctrl-C) or a halt (--strict met a malformed line) ends the reader stage;
 * what was read before it is still sent.
 */
final class SampleSender {
  /** Makes a sample ready to send: {@code n} is its position in the sending order, from 0. */
  interface Prepare {
    void apply(MutableSample s, long n);
  }

  /** A sample's record key or value bytes. */
  interface Encoder {
    byte[] encode(MutableSample s);
  }

  private final SampleSource in;
  private final long limit;
  private final Prepare prepare;
  private final Encoder key;
  private final Encoder value;
  private final BooleanSupplier halted;
  // Two stages: a reader thread parses and encodes chunks of samples, the caller's thread sends them.
  private final BlockingQueue<Chunk> queue = new ArrayBlockingQueue<>(8);
  private final Thread stage;
  private volatile boolean stopRequested;
  private volatile long produced;

  SampleSender(SampleSource in, long limit, Prepare prepare, Encoder key, Encoder value, BooleanSupplier halted) {
    this.in = in;
    this.limit = limit;
    this.prepare = prepare;
    this.key = key;
    this.value = value;
    this.halted = halted;
    this.stage = new Thread(this::readChunks, "streamtrain-produce-reader");
    stage.setDaemon(true);
  }

  /** Samples handed to the producer so far. */
  long produced() {
    return produced;
  }

  /** Ends the reader stage at its next sample (from any thread). */
  void requestStop() {
    stopRequested = true;
  }

  /**
   * Starts the reader stage and sends until the input ends: to partition {@code i mod roundRobinPartitions} without a
   * key when {@code roundRobinPartitions > 0}, else with each sample's key. {@code rate} (samples/s, null: no limit)
   * paces sending from {@code t0} (System.nanoTime). After each chunk, {@code fraction} of the produced count is the
   * progress shown.
   */
  void send(SampleProducer producer, int roundRobinPartitions, Double rate, long t0, ProgressBar progress,
      LongToDoubleFunction fraction) throws Exception {
    stage.start();
    while (true) {
      Chunk c = queue.take();
      if (c.failure != null) {
        throw c.failure instanceof Exception ex ? ex : new IllegalStateException(c.failure);
      }
      if (c.size == 0) {
        break; // end of input
      }
      for (int i = 0; i < c.size; i++) {
        boolean roundRobin = roundRobinPartitions > 0;
        producer.sendEncoded(roundRobin ? (int) (produced % roundRobinPartitions) : null,
            roundRobin ? null : c.keys[i], c.values[i]);
        produced++;
        if (rate != null) {
          pace(rate, t0, produced);
        }
      }
      progress.update(produced, fraction.applyAsDouble(produced));
    }
  }

  /** Stops the reader stage and waits for it (after {@link #send}, also when it failed). */
  void close() throws InterruptedException {
    stopRequested = true;
    queue.clear(); // unblock the reader if it waits to put
    stage.join(10_000);
  }

  /** Up to CAPACITY encoded samples; size 0 marks the end of the input, a failure an error in the reader. */
  private static final class Chunk {
    static final int CAPACITY = 1024;
    final byte[][] keys = new byte[CAPACITY][];
    final byte[][] values = new byte[CAPACITY][];
    int size;
    Throwable failure;
  }

  /** The reader stage: fills chunks until the end of the input, the limit, a stop request or a halt. */
  private void readChunks() {
    long n = 0;
    try {
      while (true) {
        Chunk c = new Chunk();
        while (c.size < Chunk.CAPACITY && n < limit && !stopRequested && !halted.getAsBoolean()) {
          MutableSample s = in.next();
          if (s == null) {
            break;
          }
          if (halted.getAsBoolean()) {
            break; // the line just read follows a malformed one: under --strict nothing after it is sent
          }
          prepare.apply(s, n);
          c.keys[c.size] = key.encode(s);
          c.values[c.size] = value.encode(s);
          c.size++;
          n++;
        }
        if (c.size > 0) {
          putUnlessStopped(c);
        }
        if (c.size < Chunk.CAPACITY) {
          putUnlessStopped(new Chunk()); // end marker
          return;
        }
      }
    } catch (Throwable t) {
      Chunk f = new Chunk();
      f.failure = t;
      putUnlessStopped(f);
    }
  }

  private void putUnlessStopped(Chunk c) {
    try {
      while (!queue.offer(c, 100, TimeUnit.MILLISECONDS)) {
        if (stopRequested && c.size > 0) {
          return; // the sender is gone; drop the rest
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Sleeps until sample n is due at the requested rate (wall clock, for pacing only). */
  private static void pace(double rate, long t0, long n) throws InterruptedException {
    long due = t0 + (long) (n * 1e9 / rate);
    long wait = due - System.nanoTime();
    if (wait > 1_000_000) {
      TimeUnit.NANOSECONDS.sleep(wait);
    }
  }
}
