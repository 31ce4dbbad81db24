package io.streamtrain.flink.training;

import static io.streamtrain.flink.training.MiniBatcherFunctionTest.coreDraws;
import static io.streamtrain.flink.training.MiniBatcherFunctionTest.drawn;
import static io.streamtrain.flink.training.MiniBatcherFunctionTest.harness;
import static io.streamtrain.flink.training.MiniBatcherFunctionTest.input;
import static io.streamtrain.flink.training.MiniBatcherFunctionTest.sample;
import static io.streamtrain.flink.training.MiniBatcherFunctionTest.spec;
import static org.assertj.core.api.Assertions.assertThat;

import io.streamtrain.core.data.Example;
import io.streamtrain.flink.training.MiniBatcherFunctionTest.Drawn;
import io.streamtrain.core.data.ExampleCodec;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * The chunker before the keyBy: chunks carry each model's samples in arrival order and leave before anything that
 * must stay behind them (a rejected sample of the model, a watermark, a checkpoint barrier) or when a size bound
 * or the processing-time deadline ends them; through the network serializer and the batcher they give exactly the
 * batches of the core shuffle buffer (the same reference as {@link MiniBatcherFunctionTest}), with the same
 * rejected counts and idle-gap flushes as samples sent one by one.
 */
class SampleChunkerTest {
  static OneInputStreamOperatorTestHarness<SampleRecord, SampleRecord> chunker(int maxSamples) throws Exception {
    var h = new OneInputStreamOperatorTestHarness<>(
        new SampleChunker(1 << 20, maxSamples, 50), new SampleRecord.Serializer());
    h.setup(new SampleRecord.Serializer());
    return h;
  }

  /** What left the chunker: chunks as "model:seq,seq", other records by kind, watermarks as "wm:T". */
  static List<String> described(OneInputStreamOperatorTestHarness<SampleRecord, SampleRecord> h) throws Exception {
    List<String> out = new ArrayList<>();
    for (Object o : h.getOutput()) {
      if (o instanceof Watermark w) {
        out.add("wm:" + w.getTimestamp());
      } else if (o instanceof StreamRecord<?> sr) {
        SampleRecord r = overTheWire((SampleRecord) sr.getValue());
        if (r.isChunk()) {
          StringBuilder s = new StringBuilder(r.example.modelId()).append(':');
          DataInputDeserializer in = new DataInputDeserializer(r.chunk, 0, r.chunkLength);
          Example e = new Example();
          for (int i = 0; i < r.chunkCount; i++) {
            ExampleCodec.INSTANCE.readBody(in, e);
            s.append(i == 0 ? "" : ",").append((int) e.denseValue(0));
          }
          assertThat(in.available()).isZero();
          out.add(s.toString());
        } else if (r.isRejected()) {
          out.add("rejected:" + r.example.modelId());
        } else if (r.isLagMarker()) {
          out.add("lag:" + r.example.modelId());
        } else {
          out.add("single:" + r.example.modelId());
        }
      }
    }
    return out;
  }

  /** The record as the batcher's side of the keyBy reads it. */
  static SampleRecord overTheWire(SampleRecord r) throws Exception {
    SampleRecord.Serializer ser = new SampleRecord.Serializer();
    DataOutputSerializer out = new DataOutputSerializer(64);
    ser.serialize(r, out);
    return ser.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
  }

  static SampleRecord rejected(String model) {
    SampleRecord r = sample(model, -1, 0);
    r.reason = "NON_FINITE";
    r.message = "test";
    return r;
  }

  @Test
  void chunksEndBeforeWhatMustFollowTheirSamples() throws Exception {
    try (var h = chunker(3)) {
      h.open();
      for (int i = 0; i < 4; i++) {
        h.processElement(sample("a", i, i), i);
      }
      h.processElement(sample("b", 0, 0), 0);
      h.processElement(sample("a", 4, 4), 4);
      h.processElement(rejected("a"), 4);
      h.processElement(SampleRecord.lagMarker("b", 0, 1, 99), 4);
      h.processElement(sample("a", 5, 5), 5);
      h.processWatermark(new Watermark(3));
      h.processElement(sample("b", 1, 6), 6);
      h.prepareSnapshotPreBarrier(1);
      h.processElement(sample("b", 2, 7), 7);
      h.setProcessingTime(1_000);
      h.processElement(sample("a", 6, 8), 8);
      assertThat(described(h)).containsExactly(
          "a:0,1,2", // the size bound (3 samples)
          "a:3,4", "rejected:a", // a rejected sample of a ends a's chunk, not b's
          "lag:b", // markers pass straight through
          "a:5", "b:0", "wm:3", // a watermark ends every open chunk, in the order the models first came
          "b:1", // a checkpoint barrier too
          "b:2"); // and the processing-time deadline; a:6 is still open
      h.processWatermark(new Watermark(Long.MAX_VALUE));
      assertThat(described(h)).endsWith("a:6", "wm:" + Long.MAX_VALUE);
    }
  }

  /** The batcher's output for {@code in} sent through a chunker of at most {@code maxSamples} samples a chunk. */
  static List<Drawn> batchesThroughChunks(List<SampleRecord> in, int maxSamples, long idleGapMs,
      long watermarkEvery) throws Exception {
    List<Object> wire = new ArrayList<>();
    try (var c = chunker(maxSamples)) {
      c.open();
      for (int i = 0; i < in.size(); i++) {
        c.processElement(in.get(i), in.get(i).example.eventTime());
        if (watermarkEvery > 0 && i % watermarkEvery == watermarkEvery - 1) {
          c.processWatermark(new Watermark(in.get(i).example.eventTime() - 5_000));
        }
      }
      c.processWatermark(new Watermark(Long.MAX_VALUE));
      wire.addAll(c.getOutput());
    }
    try (var b = harness(spec(idleGapMs))) {
      b.open();
      for (Object o : wire) {
        if (o instanceof Watermark w) {
          b.processWatermark(w);
        } else {
          StreamRecord<?> sr = (StreamRecord<?>) o;
          b.processElement(overTheWire((SampleRecord) sr.getValue()), sr.getTimestamp());
        }
      }
      return drawn(b);
    }
  }

  /** The same samples sent one by one (the path the batcher had before chunks). */
  static List<Drawn> batchesOneByOne(List<SampleRecord> in, long idleGapMs, long watermarkEvery) throws Exception {
    try (var b = harness(spec(idleGapMs))) {
      b.open();
      for (int i = 0; i < in.size(); i++) {
        b.processElement(overTheWire(in.get(i)), in.get(i).example.eventTime());
        if (watermarkEvery > 0 && i % watermarkEvery == watermarkEvery - 1) {
          b.processWatermark(new Watermark(in.get(i).example.eventTime() - 5_000));
        }
      }
      b.processWatermark(Long.MAX_VALUE);
      return drawn(b);
    }
  }

  @Test
  void chunkedSamplesGiveTheCoreShuffleBufferDraws() throws Exception {
    for (int maxSamples : new int[] {1, 3, 7, 1000}) {
      List<Drawn> out = batchesThroughChunks(input(), maxSamples, 0, 0);
      for (String model : List.of("tenant-a", "tenant-b")) {
        List<List<Integer>> mine = out.stream().filter(d -> d.model().equals(model)).map(Drawn::seqs).toList();
        assertThat(mine).as("chunks of %d", maxSamples)
            .isEqualTo(coreDraws(model, model.equals("tenant-a") ? 53 : 41));
      }
    }
  }

  @Test
  void rejectionsIdleGapsAndWatermarksLandAsWithoutChunks() throws Exception {
    // Event time jumps by more than the idle gap after sample 17 of each model; every 9th input a rejected sample.
    List<SampleRecord> in = new ArrayList<>();
    int seq = 0;
    for (SampleRecord r : input()) {
      int i = (int) r.example.denseValue(0);
      r.example.setEventTime(1000L * i + (i > 17 ? 120_000 : 0));
      in.add(r);
      if (++seq % 9 == 0) {
        SampleRecord bad = rejected(r.example.modelId());
        bad.example.setEventTime(r.example.eventTime());
        in.add(bad);
      }
    }
    List<Drawn> reference = batchesOneByOne(in, 60_000, 11);
    assertThat(reference.stream().mapToLong(Drawn::rejected).sum()).isEqualTo(in.size() / 10);
    // The gap flushes part-full buffers: some batches are short, so the test sees where the flush falls.
    assertThat(reference).anyMatch(d -> d.seqs().size() < MiniBatcherFunctionTest.B && !d.seqs().isEmpty());
    for (int maxSamples : new int[] {1, 4, 1000}) {
      List<Drawn> chunked = batchesThroughChunks(in, maxSamples, 60_000, 11);
      // Per model: how batches of different models interleave depends on where chunks end, and nothing else does.
      for (String model : List.of("tenant-a", "tenant-b")) {
        assertThat(ofModel(chunked, model)).as("chunks of %d", maxSamples).isEqualTo(ofModel(reference, model));
      }
    }
  }

  static List<Drawn> ofModel(List<Drawn> all, String model) {
    return all.stream().filter(d -> d.model().equals(model)).toList();
  }
}
