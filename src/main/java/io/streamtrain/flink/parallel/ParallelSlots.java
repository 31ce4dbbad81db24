package io.streamtrain.flink.parallel;

import io.streamtrain.core.parallel.GlobalModel;
import io.streamtrain.core.parallel.ParallelConfig;
import io.streamtrain.core.parallel.RoundCombiner;
import io.streamtrain.core.parallel.RoundWorker;
import io.streamtrain.core.train.ModelTrainer;
import io.streamtrain.flink.training.TrainerSlot;
import io.streamtrain.flink.types.DataSerializer;
import io.streamtrain.core.data.ExampleCodec;
import java.io.IOException;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Keyed state of the data-parallel operators, each self-describing like {@link TrainerSlot}: the configuration that
 * built the core object comes first, so a serializer can rebuild it before reading its values.
 */
public final class ParallelSlots {
  private ParallelSlots() {}

  /** A worker: configuration JSON, worker index, partition count, shuffle seed, then the core worker. */
  static final class Worker {
    final ParallelConfig par;
    final String configJson;
    final int index;
    final int partitions;
    final long seed;
    final ModelTrainer trainer;
    final RoundWorker worker;

    Worker(ParallelConfig par, String configJson, String modelId, int index, int partitions, long seed)
        throws IOException {
      this.par = par;
      this.configJson = configJson;
      this.index = index;
      this.partitions = partitions;
      this.seed = seed;
      this.trainer = new ModelTrainer(TrainerSlot.config(configJson));
      this.worker = new RoundWorker(par, index, partitions, trainer, trainer.newState(modelId), ExampleCodec.INSTANCE,
          seed);
    }
  }

  /** A combiner: its shard, then the core combiner. */
  static final class Combiner {
    final ParallelConfig par;
    final String modelId;
    final int shard;
    final RoundCombiner combiner;

    Combiner(ParallelConfig par, String modelId, int shard) {
      this.par = par;
      this.modelId = modelId;
      this.shard = shard;
      this.combiner = new RoundCombiner(par, modelId, shard);
    }
  }

  /** The global model of one model: its configuration JSON, then the core global model. */
  static final class Global {
    final ParallelConfig par;
    final String configJson;
    final ModelTrainer trainer;
    final GlobalModel model;

    Global(ParallelConfig par, String configJson, String modelId) throws IOException {
      this.par = par;
      this.configJson = configJson;
      this.trainer = new ModelTrainer(TrainerSlot.config(configJson));
      this.model = new GlobalModel(par, trainer.newState(modelId));
    }
  }

  private static final int VERSION = 1;

  static void writePar(DataOutputView out, ParallelConfig p) throws IOException {
    out.writeByte(VERSION);
    out.writeInt(p.workers());
    out.writeLong(p.roundSamples());
    out.writeInt(p.staleness());
    out.writeByte(p.merge().ordinal());
    out.writeInt(p.shardParameters());
  }

  static ParallelConfig readPar(DataInputView in) throws IOException {
    int v = in.readByte();
    if (v != VERSION) {
      throw new IOException("unsupported parallel state version " + v + "; this build reads " + VERSION);
    }
    return new ParallelConfig(in.readInt(), in.readLong(), in.readInt(),
        ParallelConfig.Merge.values()[in.readByte()], in.readInt());
  }

  static void writeJson(DataOutputView out, String json) throws IOException {
    byte[] b = json.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    out.writeInt(b.length);
    out.write(b);
  }

  static String readJson(DataInputView in) throws IOException {
    byte[] b = new byte[in.readInt()];
    in.readFully(b);
    return new String(b, java.nio.charset.StandardCharsets.UTF_8);
  }

  static final class WorkerSerializer extends DataSerializer<Worker> {
    private static final long serialVersionUID = 1L;

    @Override
    public Worker createInstance() {
      return null;
    }

    @Override
    public void serialize(Worker w, DataOutputView out) throws IOException {
      writePar(out, w.par);
      writeJson(out, w.configJson);
      out.writeUTF(w.worker.state.modelId);
      out.writeInt(w.index);
      out.writeInt(w.partitions);
      out.writeLong(w.seed);
      w.worker.write(out);
    }

    @Override
    public Worker deserialize(DataInputView in) throws IOException {
      ParallelConfig par = readPar(in);
      String json = readJson(in);
      String modelId = in.readUTF();
      Worker w = new Worker(par, json, modelId, in.readInt(), in.readInt(), in.readLong());
      w.worker.read(in);
      return w;
    }

    @Override
    public TypeSerializerSnapshot<Worker> snapshotConfiguration() {
      return new WorkerSnapshot();
    }
  }

  /** Serializer snapshot (version 1). */
  public static final class WorkerSnapshot extends SimpleTypeSerializerSnapshot<Worker> {
    public WorkerSnapshot() {
      super(WorkerSerializer::new);
    }
  }

  static final class CombinerSerializer extends DataSerializer<Combiner> {
    private static final long serialVersionUID = 1L;

    @Override
    public Combiner createInstance() {
      return null;
    }

    @Override
    public void serialize(Combiner c, DataOutputView out) throws IOException {
      writePar(out, c.par);
      out.writeUTF(c.modelId);
      out.writeInt(c.shard);
      c.combiner.write(out);
    }

    @Override
    public Combiner deserialize(DataInputView in) throws IOException {
      Combiner c = new Combiner(readPar(in), in.readUTF(), in.readInt());
      c.combiner.read(in);
      return c;
    }

    @Override
    public TypeSerializerSnapshot<Combiner> snapshotConfiguration() {
      return new CombinerSnapshot();
    }
  }

  /** Serializer snapshot (version 1). */
  public static final class CombinerSnapshot extends SimpleTypeSerializerSnapshot<Combiner> {
    public CombinerSnapshot() {
      super(CombinerSerializer::new);
    }
  }

  static final class GlobalSerializer extends DataSerializer<Global> {
    private static final long serialVersionUID = 1L;

    @Override
    public Global createInstance() {
      return null;
    }

    @Override
    public void serialize(Global g, DataOutputView out) throws IOException {
      writePar(out, g.par);
      writeJson(out, g.configJson);
      out.writeUTF(g.model.state.modelId);
      // The step of the last snapshot, where builds before the shared cadence kept it outside the trainer state.
      out.writeLong(g.model.state.lastSnapshotStep);
      g.model.write(out);
    }

    @Override
    public Global deserialize(DataInputView in) throws IOException {
      ParallelConfig par = readPar(in);
      String json = readJson(in);
      Global g = new Global(par, json, in.readUTF());
      long lastSnapshotStep = in.readLong();
      g.model.read(in);
      g.model.state.lastSnapshotStep = lastSnapshotStep; // older builds left the state's own mark at 0

      return g;
    }

    @Override
    public TypeSerializerSnapshot<Global> snapshotConfiguration() {
      return new GlobalSnapshot();
    }
  }

  /** Serializer snapshot (version 1). */
  public static final class GlobalSnapshot extends SimpleTypeSerializerSnapshot<Global> {
    public GlobalSnapshot() {
      super(GlobalSerializer::new);
    }
  }
}
