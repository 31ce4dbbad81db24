package io.streamtrain.replay;

import io.streamtrain.flink.training.SampleRecord;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.connector.datagen.source.GeneratorFunction;

/**
 * A replayed file's samples handed to the replay's embedded job in this JVM by reference: the job's source asks for
 * sample i and gets the record read from the file. {@code fromData} serialized the whole list into the job graph,
 * a second copy of the file in memory (a 1M-row file with 20 categorical columns ran out of the default heap). The
 * replay always runs in a MiniCluster in the JVM that read the file; anywhere else {@link #open} says so.
 */
final class FileRows implements GeneratorFunction<Long, SampleRecord>, AutoCloseable {
  private static final long serialVersionUID = 1L;
  private static final ConcurrentHashMap<String, List<SampleRecord>> ROWS = new ConcurrentHashMap<>();

  private final String key;
  private transient List<SampleRecord> rows;

  FileRows(List<SampleRecord> rows) {
    this.key = UUID.randomUUID().toString();
    ROWS.put(key, rows);
  }

  @Override
  public void open(SourceReaderContext ctx) {
    rows = ROWS.get(key);
    if (rows == null) {
      throw new IllegalStateException("a replayed file's samples are read in the JVM that runs the replay's"
          + " embedded job; this task runs elsewhere or after the replay ended");
    }
  }

  @Override
  public SampleRecord map(Long i) {
    return rows.get((int) (long) i);
  }

  /** The replay has ended: the samples are released. */
  @Override
  public void close() {
    ROWS.remove(key);
  }
}
