package io.streamtrain.io;

import io.streamtrain.avro.ModelSnapshot;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * Assembles published models from the records of a model topic in any order ({@link SnapshotParts} describes
 * the wire form), keeping per model id the highest complete version, or a given one. The rules, which make a
 * compacted topic safe to read at any moment:
 * <ul>
 *   <li>A version is the set of records with equal model id, version, parts, parameter_count and checksum; it is
 *       complete when every part index 0 to parts - 1 arrived, the slices cover exactly parameter_count
 *       parameters, and the assembled parameters match the checksum. Only complete versions are ever returned.
 *   <li>Parts of versions that compaction left behind (an older version with more parts than the latest keeps
 *       its tail keys) never complete, because their head and first parts were replaced: they are dropped.
 *   <li>A repeated part (a version published again after a recovery) is ignored; a malformed record (part
 *       index out of range, a slice outside the parameters) is skipped.
 *   <li>A version whose parts are all there but whose parameters do not match the checksum is corrupt: it is
 *       never returned, and {@link #corruptVersion} reports it so a reader can fail loudly instead of silently
 *       taking an older version.
 * </ul>
 * Memory: one parameter array per version being assembled; versions below the best complete one are dropped as
 * soon as it completes, so a topic not yet compacted costs about one model's parameters, not one per version.
 */
public final class SnapshotAssembler {
  /** A complete, checksum-verified version: the head record (spec, buffers, counters) and all parameters. */
  public record Assembled(ModelSnapshot head, double[] parameters) {
    public String modelId() {
      return head.getModelId();
    }

    public long version() {
      return head.getVersion();
    }
  }

  private record VersionKey(long version, int parts, long count, long checksum) {}

  private static final class Pending {
    final VersionKey key;
    final BitSet seen;
    double[] params;
    ModelSnapshot head;
    long covered;
    int received;

    Pending(VersionKey key) {
      this.key = key;
      this.seen = new BitSet(key.parts());
    }
  }

  private final Predicate<String> ids;
  private final Long version;
  private final Map<String, Assembled> best = new TreeMap<>();
  private final Map<String, Map<VersionKey, Pending>> pending = new HashMap<>();
  private final Map<String, Long> corrupt = new HashMap<>();
  private long skipped;

  /** Models whose id {@code ids} accepts; of each its {@code version}, or its highest when null. */
  public SnapshotAssembler(Predicate<String> ids, Long version) {
    this.ids = Objects.requireNonNull(ids);
    this.version = version;
  }

  /** Takes one record of the model topic (already decoded); null is ignored. */
  public void add(ModelSnapshot r) {
    if (r == null || !ids.test(r.getModelId())) {
      return;
    }
    String id = r.getModelId();
    long v = r.getVersion();
    if (version != null ? v != version : best.containsKey(id) && best.get(id).version() >= v) {
      return;
    }
    int parts = r.getParts();
    int part = r.getPart();
    if (parts < 1 || part < 0 || part >= parts) {
      skipped++;
      return;
    }
    long count = r.getParameterCount();
    if (count < 0) {
      // The single-record form (schema v1 and small models): complete on its own.
      if (parts != 1) {
        skipped++;
        return;
      }
      double[] p = new double[r.getParameters().size()];
      for (int i = 0; i < p.length; i++) {
        p[i] = r.getParameters().get(i);
      }
      complete(id, r, p, r.getChecksum());
      return;
    }
    long offset = r.getParameterOffset();
    int bytes = r.getParameterBytes().remaining();
    long n = bytes / Double.BYTES;
    if (count > Integer.MAX_VALUE - 8 || bytes % Double.BYTES != 0 || offset < 0 || offset + n > count) {
      skipped++;
      return;
    }
    VersionKey key = new VersionKey(v, parts, count, r.getChecksum());
    Pending g = pending.computeIfAbsent(id, k -> new HashMap<>()).computeIfAbsent(key, Pending::new);
    if (g.seen.get(part)) {
      return;
    }
    if (g.params == null) {
      g.params = new double[(int) count];
    }
    SnapshotParts.fromBytes(r.getParameterBytes(), g.params, (int) offset);
    g.seen.set(part);
    g.received++;
    g.covered += n;
    if (part == 0) {
      g.head = r;
    }
    if (g.received < parts) {
      return;
    }
    pending.get(id).remove(key);
    if (g.covered != count) {
      // Every part arrived but the slices overlap or leave a gap: not a version this code wrote.
      skipped++;
      return;
    }
    complete(id, g.head, g.params, key.checksum());
  }

  private void complete(String id, ModelSnapshot head, double[] params, long checksum) {
    if (ParameterChecksum.of(params) != checksum) {
      corrupt.merge(id, head.getVersion(), Math::max);
      return;
    }
    Assembled prev = best.get(id);
    if (prev == null || head.getVersion() > prev.version()) {
      best.put(id, new Assembled(head, params));
      Map<VersionKey, Pending> open = pending.get(id);
      if (open != null && version == null) {
        // Nothing at or below the new best can win any more: free its arrays now.
        for (Iterator<VersionKey> it = open.keySet().iterator(); it.hasNext(); ) {
          if (it.next().version() <= head.getVersion()) {
            it.remove();
          }
        }
      }
    }
  }

  /** Per accepted model id with a complete version (in id order): the wanted version. */
  public Map<String, Assembled> complete() {
    return best;
  }

  /**
   * The highest version of {@code modelId} whose parts all arrived but failed the checksum, when it is higher
   * than the version returned (or no version is returned); else null.
   */
  public Long corruptVersion(String modelId) {
    Long c = corrupt.get(modelId);
    Assembled b = best.get(modelId);
    return c != null && (b == null || c > b.version()) ? c : null;
  }

  /** Model ids with a {@link #corruptVersion}, in id order. */
  public java.util.SortedSet<String> corruptModels() {
    java.util.SortedSet<String> out = new java.util.TreeSet<>();
    for (String id : corrupt.keySet()) {
      if (corruptVersion(id) != null) {
        out.add(id);
      }
    }
    return out;
  }

  /** Records skipped as malformed (counted for diagnostics and tests). */
  public long skipped() {
    return skipped;
  }
}
