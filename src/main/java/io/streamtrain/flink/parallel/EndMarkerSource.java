package io.streamtrain.flink.parallel;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.ReaderOutput;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.SourceOutput;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.SourceSplit;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.core.io.InputStatus;
import org.apache.flink.core.io.SimpleVersionedSerializer;

/**
 * A source that ends when its delegate reads an end marker (which it does not emit): how a bounded data-parallel
 * job's rounds input ends, since nothing else tells a Kafka reader that the loop's last record has been written.
 * Everything else (splits, checkpoints, offsets) is the delegate's.
 */
public final class EndMarkerSource<T, S extends SourceSplit, E> implements Source<T, S, E> {
  private static final long serialVersionUID = 1L;

  /** Serializable predicate. */
  public interface EndMarker<T> extends Predicate<T>, java.io.Serializable {}

  private final Source<T, S, E> delegate;
  private final EndMarker<T> isEnd;

  public EndMarkerSource(Source<T, S, E> delegate, EndMarker<T> isEnd) {
    this.delegate = delegate;
    this.isEnd = isEnd;
  }

  @Override
  public Boundedness getBoundedness() {
    return delegate.getBoundedness();
  }

  @Override
  public SplitEnumerator<S, E> createEnumerator(SplitEnumeratorContext<S> ctx) throws Exception {
    return delegate.createEnumerator(ctx);
  }

  @Override
  public SplitEnumerator<S, E> restoreEnumerator(SplitEnumeratorContext<S> ctx, E checkpoint) throws Exception {
    return delegate.restoreEnumerator(ctx, checkpoint);
  }

  @Override
  public SimpleVersionedSerializer<S> getSplitSerializer() {
    return delegate.getSplitSerializer();
  }

  @Override
  public SimpleVersionedSerializer<E> getEnumeratorCheckpointSerializer() {
    return delegate.getEnumeratorCheckpointSerializer();
  }

  @Override
  public SourceReader<T, S> createReader(SourceReaderContext ctx) throws Exception {
    return new Reader<>(delegate.createReader(ctx), isEnd);
  }

  private static final class Reader<T, S extends SourceSplit> implements SourceReader<T, S> {
    private final SourceReader<T, S> delegate;
    private final Predicate<T> isEnd;
    private boolean ended;

    Reader(SourceReader<T, S> delegate, Predicate<T> isEnd) {
      this.delegate = delegate;
      this.isEnd = isEnd;
    }

    @Override
    public void start() {
      delegate.start();
    }

    @Override
    public InputStatus pollNext(ReaderOutput<T> output) throws Exception {
      if (ended) {
        return InputStatus.END_OF_INPUT;
      }
      InputStatus s = delegate.pollNext(new Filtering<>(output, this));
      return ended ? InputStatus.END_OF_INPUT : s;
    }

    @Override
    public List<S> snapshotState(long checkpointId) {
      return delegate.snapshotState(checkpointId);
    }

    @Override
    public CompletableFuture<Void> isAvailable() {
      return ended ? CompletableFuture.completedFuture(null) : delegate.isAvailable();
    }

    @Override
    public void addSplits(List<S> splits) {
      delegate.addSplits(splits);
    }

    @Override
    public void notifyNoMoreSplits() {
      delegate.notifyNoMoreSplits();
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) throws Exception {
      delegate.notifyCheckpointComplete(checkpointId);
    }

    @Override
    public void pauseOrResumeSplits(java.util.Collection<String> pause, java.util.Collection<String> resume) {
      delegate.pauseOrResumeSplits(pause, resume);
    }

    @Override
    public void handleSourceEvents(org.apache.flink.api.connector.source.SourceEvent event) {
      delegate.handleSourceEvents(event);
    }

    @Override
    public void close() throws Exception {
      delegate.close();
    }
  }

  /** Passes records on, but an end marker only marks the reader ended. */
  private static class Filtering<T> implements ReaderOutput<T> {
    private final SourceOutput<T> out;
    private final ReaderOutput<T> reader;
    private final Reader<T, ?> owner;

    Filtering(ReaderOutput<T> reader, Reader<T, ?> owner) {
      this.out = reader;
      this.reader = reader;
      this.owner = owner;
    }

    private Filtering(SourceOutput<T> split, ReaderOutput<T> reader, Reader<T, ?> owner) {
      this.out = split;
      this.reader = reader;
      this.owner = owner;
    }

    @Override
    public void collect(T record) {
      if (owner.isEnd.test(record)) {
        owner.ended = true;
      } else if (!owner.ended) {
        out.collect(record);
      }
    }

    @Override
    public void collect(T record, long timestamp) {
      if (owner.isEnd.test(record)) {
        owner.ended = true;
      } else if (!owner.ended) {
        out.collect(record, timestamp);
      }
    }

    @Override
    public void emitWatermark(Watermark watermark) {
      out.emitWatermark(watermark);
    }

    @Override
    public void markIdle() {
      out.markIdle();
    }

    @Override
    public void markActive() {
      out.markActive();
    }

    @Override
    public SourceOutput<T> createOutputForSplit(String splitId) {
      return new Filtering<>(reader.createOutputForSplit(splitId), reader, owner);
    }

    @Override
    public void releaseOutputForSplit(String splitId) {
      reader.releaseOutputForSplit(splitId);
    }
  }
}
