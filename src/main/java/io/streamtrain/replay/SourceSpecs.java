package io.streamtrain.replay;

import static io.streamtrain.replay.ReplayKeys.*;

import io.streamtrain.core.SpecException;
import io.streamtrain.core.SpecReader;
import io.streamtrain.core.config.ConfigValues;
import io.streamtrain.io.events.InputSpec;
import io.streamtrain.replay.ReplaySpec.Bound;
import io.streamtrain.replay.ReplaySpec.Bound.Kind;
import io.streamtrain.replay.ReplaySpec.FileRun;
import io.streamtrain.replay.ReplaySpec.Source;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/** Parses a replay spec's {@code source} section (declared in {@link ReplayKeys}): a topic range or a file. */
final class SourceSpecs {
  private SourceSpecs() {}

  static Source parse(ConfigValues s, Path base) {
    if (s.has(TOPIC) == s.has(FILE)) {
      throw new SpecException("source", s.reader().map().keySet(), "allowed: exactly one of topic or file");
    }
    if (s.has(TOPIC)) {
      Source source = new Source(s.get(TOPIC), bound(s, START, Kind.EARLIEST), bound(s, END, Kind.LATEST), null,
          Map.of(), null);
      checkOrder(source.start(), source.end());
      for (String k : FILE_KEYS) {
        if (s.reader().has(k)) {
          throw new SpecException(s.reader().key(k), s.reader().raw(k), "allowed only with source.file");
        }
      }
      return source;
    }
    Path f = base.resolve(s.get(FILE));
    if (!Files.isRegularFile(f)) {
      throw new SpecException("source.file", f, "allowed: an existing CSV or LIBSVM file");
    }
    if (s.has(START) || s.has(END)) {
      throw new SpecException("source.start", s.raw(START), "allowed only with source.topic");
    }
    Map<String, Object> opts = new LinkedHashMap<>(s.reader().map());
    opts.remove(FILE.name());
    return new Source(null, null, null, f, opts, fileRun(s, base));
  }

  /**
   * A boundary of the replayed range: earliest, latest, a timestamp for all partitions, timestamps per partition
   * ({@code {timestamps: {0: MS, 1: MS}}}) or offsets per partition.
   */
  private static Bound bound(ConfigValues parent, io.streamtrain.core.config.Key<Object> key, Kind dflt) {
    if (!parent.has(key)) {
      return new Bound(dflt, 0, Map.of());
    }
    Object v = parent.raw(key);
    String path = parent.path(key);
    if (v instanceof String s) {
      if (s.equals("earliest") || s.equals("latest")) {
        return new Bound(s.equals("earliest") ? Kind.EARLIEST : Kind.LATEST, 0, Map.of());
      }
      throw new SpecException(path, s, "allowed: earliest, latest, {timestamp: MS}, {timestamps: {P: MS}},"
          + " {offsets: {P: O}}");
    }
    SpecReader r = SpecReader.asReader(path, v);
    r.rejectUnknown("timestamp", "timestamps", "offsets");
    int given = (r.has("timestamp") ? 1 : 0) + (r.has("timestamps") ? 1 : 0) + (r.has("offsets") ? 1 : 0);
    if (given != 1) {
      throw new SpecException(path, v, "allowed: exactly one of timestamp, timestamps or offsets");
    }
    if (r.has("timestamp")) {
      long ts = r.getLong("timestamp", 0);
      if (ts < 0) {
        throw new SpecException(r.key("timestamp"), ts, "allowed: epoch milliseconds >= 0");
      }
      return new Bound(Kind.TIMESTAMP, ts, Map.of());
    }
    boolean perPartitionTime = r.has("timestamps");
    Map<Integer, Long> offsets = new TreeMap<>();
    SpecReader o = r.child(perPartitionTime ? "timestamps" : "offsets");
    for (String p : o.map().keySet()) {
      int partition;
      try {
        partition = Integer.parseInt(p.trim());
      } catch (NumberFormatException e) {
        throw new SpecException(o.key(p), p, "allowed: a partition number");
      }
      long off = o.getLong(p, 0);
      if (partition < 0 || off < 0) {
        throw new SpecException(o.key(p), off, perPartitionTime
            ? "allowed: partition >= 0 and epoch milliseconds >= 0" : "allowed: partition >= 0 and offset >= 0");
      }
      offsets.put(partition, off);
    }
    // For "timestamps" the map holds epoch milliseconds per partition instead of offsets.
    return new Bound(perPartitionTime ? Kind.TIMESTAMPS : Kind.OFFSETS, 0, offsets);
  }

  /**
   * An end before its start is a mistake, not an empty replay: caught here where both bounds are the same kind of
   * figure (timestamps with timestamps, offsets with offsets, per partition where both name it). Mixed kinds
   * (an offset start, a timestamp end) only compare against the topic's data; the replay then reads what lies
   * between them.
   */
  static void checkOrder(Bound start, Bound end) {
    if (start.isTime() && end.isTime()) {
      for (int p : partitionsOf(start, end)) {
        long a = start.kind() == Kind.TIMESTAMP ? start.timestamp() : start.offsets().getOrDefault(p, -1L);
        long b = end.kind() == Kind.TIMESTAMP ? end.timestamp() : end.offsets().getOrDefault(p, -1L);
        if (a >= 0 && b >= 0 && b < a) {
          throw new SpecException("source.end", b, "it is before source.start (" + a + ")"
              + (p >= 0 ? " for partition " + p : "") + "; allowed: an end at or after the start");
        }
      }
    } else if (start.kind() == Kind.OFFSETS && end.kind() == Kind.OFFSETS) {
      for (Map.Entry<Integer, Long> e : start.offsets().entrySet()) {
        Long b = end.offsets().get(e.getKey());
        if (b != null && b < e.getValue()) {
          throw new SpecException("source.end.offsets." + e.getKey(), b, "it is before source.start.offsets."
              + e.getKey() + " (" + e.getValue() + "); allowed: an end offset at or after the start (end exclusive)");
        }
      }
    }
  }

  /** The partitions either bound names, or just -1 when both are topic-wide. */
  private static Set<Integer> partitionsOf(Bound start, Bound end) {
    Set<Integer> ps = new TreeSet<>(start.offsets().keySet());
    ps.addAll(end.offsets().keySet());
    if (ps.isEmpty()) {
      ps.add(-1);
    }
    return ps;
  }

  private static FileRun fileRun(ConfigValues s, Path base) {
    double fraction = 0;
    long seed = 0;
    long from = 0;
    long to = 0;
    ConfigValues sp = s.get(SPLIT_KEY);
    if (sp != null) {
      if (sp.has(TEST_FRACTION) == sp.has(TEST_ROWS)) {
        throw new SpecException(s.path(SPLIT_KEY), sp.reader().map().keySet(),
            "allowed: exactly one of test_fraction (with an optional seed) or test_rows: [FROM, TO]");
      }
      if (sp.has(TEST_FRACTION)) {
        fraction = sp.get(TEST_FRACTION);
        seed = sp.get(SEED);
      } else {
        if (sp.has(SEED)) {
          throw new SpecException(sp.path(SEED), sp.raw(SEED), "allowed only with test_fraction");
        }
        Object v = sp.raw(TEST_ROWS);
        if (!(v instanceof List<?> l) || l.size() != 2 || !(l.get(0) instanceof Number a)
            || !(l.get(1) instanceof Number b) || a.longValue() < 0 || b.longValue() <= a.longValue()) {
          throw new SpecException(sp.path(TEST_ROWS), v, "allowed: [FROM, TO], rows counted from 0, FROM < TO"
              + " (TO exclusive)");
        }
        from = a.longValue();
        to = b.longValue();
      }
    }
    boolean standardize = s.get(STANDARDIZE);
    String labelMap = null;
    if (s.has(LABEL_MAP)) {
      Object v = s.raw(LABEL_MAP);
      if (v instanceof Map<?, ?> m) {
        StringBuilder b = new StringBuilder();
        m.forEach((k, x) -> b.append(b.length() == 0 ? "" : ",").append(k).append('=').append(x));
        labelMap = b.toString();
      } else {
        labelMap = String.valueOf(v);
      }
      io.streamtrain.io.LabelMap.parse(s.path(LABEL_MAP), labelMap); // fail here, naming the key
    }
    Path sidecar = null;
    if (s.has(SIDECAR)) {
      sidecar = base.resolve(s.get(SIDECAR));
      if (!Files.isRegularFile(sidecar)) {
        throw new SpecException(s.path(SIDECAR), sidecar, "allowed: an existing sidecar file written by produce");
      }
      if (labelMap != null || standardize) {
        throw new SpecException(s.path(SIDECAR), sidecar, "allowed without label_map and standardize: the"
            + " sidecar carries the label map and standardization training used");
      }
    }
    return new FileRun(s.get(PASSES), s.get(SHUFFLE), fraction, seed, from, to, standardize, labelMap, sidecar);
  }

  /** What the source topic holds: {@code source.input}, else the configurations' jobs' input, else Samples. */
  static InputSpec input(ConfigValues s, Source source, Object jobsInput, int[] dense, Path base) {
    Object inputRaw = s.has(INPUT) ? s.raw(INPUT) : source.topic() != null ? jobsInput : null;
    if (inputRaw == null) {
      return InputSpec.SAMPLES;
    }
    if (source.topic() == null) {
      throw new SpecException("source.input", inputRaw, "allowed only with source.topic (files are CSV or LIBSVM)");
    }
    Map<String, Object> in = new LinkedHashMap<>(SpecReader.asReader("source.input", inputRaw).map());
    if (in.get("schema") instanceof String sch && !sch.trim().startsWith("{")) {
      in.put("schema", base.resolve(sch).toString());
    }
    if (in.get("labels") instanceof Map<?, ?> lm && lm.get("schema") instanceof String sch
        && !sch.trim().startsWith("{")) {
      Map<String, Object> labels = new LinkedHashMap<>(SpecReader.asReader("source.input.labels", lm).map());
      labels.put("schema", base.resolve(sch).toString());
      in.put("labels", labels);
    }
    return InputSpec.parse(new SpecReader("source.input", in), dense);
  }
}
