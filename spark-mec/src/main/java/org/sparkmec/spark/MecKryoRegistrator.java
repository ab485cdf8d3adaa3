package org.sparkmec.spark;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.serializer.KryoRegistrator;
import org.apache.spark.sql.catalyst.expressions.GenericRow;
import org.sparkmec.engine.backend.BackendKind;
import org.sparkmec.engine.bench.BenchmarkRow;
import org.sparkmec.engine.bench.ExecutorResult;
import org.sparkmec.engine.train.LayerMemoryRow;
import org.sparkmec.spark.data.ImageDataStats;
import org.sparkmec.spark.data.ImageRecord;
import org.sparkmec.spark.train.WorkerReport;

/**
 * Registers with Spark's Kryo every spark-mec class that crosses Spark's data plane (shuffled images,
 * task results), each with an explicit serializer (records have final fields, which Kryo's default
 * field serializer should not set). Use with {@code spark.serializer=org.apache.spark.serializer.KryoSerializer}
 * and {@code spark.kryo.registrator=org.sparkmec.spark.MecKryoRegistrator}; the project's tests run
 * with {@code spark.kryo.registrationRequired=true}.
 *
 * <p>Not here: the plugin's RPC messages ({@code TrainMessages}, {@code BenchProgress.LayerDone}), which
 * Spark's RPC Java-serializes.
 */
public final class MecKryoRegistrator implements KryoRegistrator {
    /** The value to put in {@code spark.kryo.registrator}. */
    public static final String CLASS_NAME = MecKryoRegistrator.class.getName();

    /** Every class registered here, for tests and documentation. */
    public static final List<Class<?>> CLASSES = List.of(ImageRecord.class, ImageRecord[].class, LayerMemoryRow.class,
            WorkerReport.class, WorkerReport[].class, ImageDataStats.Pass1.class, float[].class, byte[].class, double[].class, long[].class,
            int[].class, GenericRow.class, Object[].class, Float[].class, ExecutorResult.class, ExecutorResult[].class);

    @Override
    public void registerClasses(Kryo kryo) {
        kryo.register(ImageRecord.class, new ImageRecordSerializer());
        kryo.register(ImageRecord[].class);
        kryo.register(LayerMemoryRow.class, new LayerMemoryRowSerializer());
        kryo.register(WorkerReport.class, new WorkerReportSerializer());
        kryo.register(WorkerReport[].class);
        kryo.register(ImageDataStats.Pass1.class);
        kryo.register(float[].class);
        kryo.register(byte[].class);
        kryo.register(double[].class);
        kryo.register(long[].class);
        kryo.register(int[].class);
        // rows of the DataFrames ImageFrames builds (parallelized Row objects of boxed values and arrays)
        kryo.register(GenericRow.class);
        kryo.register(Object[].class);
        kryo.register(Float[].class);
        // the layer benchmark's task results (ClusterBenchmark)
        kryo.register(ExecutorResult.class, new ExecutorResultSerializer());
        kryo.register(ExecutorResult[].class);
    }

    /** label, a flag (0 bytes, 1 floats), the length and the pixels. */
    static final class ImageRecordSerializer extends Serializer<ImageRecord> {
        @Override
        public void write(Kryo kryo, Output out, ImageRecord r) {
            out.writeInt(r.label(), true);
            if (r.bytes() != null) {
                out.writeByte(0);
                out.writeInt(r.bytes().length, true);
                out.writeBytes(r.bytes());
            } else {
                out.writeByte(1);
                out.writeInt(r.floats().length, true);
                out.writeFloats(r.floats());
            }
        }

        @Override
        public ImageRecord read(Kryo kryo, Input in, Class<ImageRecord> type) {
            int label = in.readInt(true);
            byte kind = in.readByte();
            int n = in.readInt(true);
            return kind == 0 ? ImageRecord.ofBytes(label, in.readBytes(n)) : ImageRecord.ofFloats(label, in.readFloats(n));
        }
    }

    static final class LayerMemoryRowSerializer extends Serializer<LayerMemoryRow> {
        @Override
        public void write(Kryo kryo, Output out, LayerMemoryRow r) {
            out.writeString(r.layer());
            out.writeString(r.type());
            out.writeString(r.algorithm());
            out.writeLong(r.weightsBytes(), true);
            out.writeLong(r.gradientsBytes(), true);
            out.writeLong(r.activationsBytes(), true);
            out.writeLong(r.workspaceBytes(), true);
            out.writeLong(r.im2colWorkspaceBytes(), true);
            out.writeLong(r.peakBytes(), true);
        }

        @Override
        public LayerMemoryRow read(Kryo kryo, Input in, Class<LayerMemoryRow> type) {
            return new LayerMemoryRow(in.readString(), in.readString(), in.readString(), in.readLong(true),
                    in.readLong(true), in.readLong(true), in.readLong(true), in.readLong(true), in.readLong(true));
        }
    }

    static final class WorkerReportSerializer extends Serializer<WorkerReport> {
        @Override
        public void write(Kryo kryo, Output out, WorkerReport r) {
            out.writeInt(r.worker(), true);
            out.writeString(r.executorId());
            out.writeString(r.host());
            out.writeInt(r.engineId(), true);
            out.writeInt(r.engineUses(), true);
            out.writeString(r.backend().name());
            out.writeString(r.gpuAddress());
            out.writeLong(r.steps(), true);
            out.writeLong(r.images(), true);
            out.writeLong(r.computeNanos(), true);
            out.writeInt(r.layers().size(), true);
            for (LayerMemoryRow row : r.layers()) {
                kryo.writeObject(out, row);
            }
        }

        @Override
        public WorkerReport read(Kryo kryo, Input in, Class<WorkerReport> type) {
            int worker = in.readInt(true);
            String executor = in.readString();
            String host = in.readString();
            int engineId = in.readInt(true);
            int engineUses = in.readInt(true);
            BackendKind backend = BackendKind.valueOf(in.readString());
            String gpuAddress = in.readString();
            long steps = in.readLong(true);
            long images = in.readLong(true);
            long compute = in.readLong(true);
            int n = in.readInt(true);
            List<LayerMemoryRow> layers = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                layers.add(kryo.readObject(in, LayerMemoryRow.class));
            }
            return new WorkerReport(worker, executor, host, engineId, engineUses, backend, gpuAddress, steps, images,
                    compute, layers);
        }
    }

    /** executor, host, the environment's pairs in order, then each row's fields. */
    static final class ExecutorResultSerializer extends Serializer<ExecutorResult> {
        @Override
        public void write(Kryo kryo, Output out, ExecutorResult r) {
            out.writeString(r.executor());
            out.writeString(r.host());
            out.writeInt(r.environment().size(), true);
            r.environment().forEach((k, v) -> {
                out.writeString(k);
                out.writeString(v);
            });
            out.writeInt(r.rows().size(), true);
            for (BenchmarkRow row : r.rows()) {
                out.writeString(row.layer());
                out.writeString(row.backend());
                out.writeString(row.algorithm());
                out.writeString(row.pass());
                out.writeInt(row.batch(), true);
                out.writeDouble(row.medianMs());
                out.writeDouble(row.gflops());
                out.writeLong(row.workspaceBytes(), true);
                out.writeString(row.path());
            }
        }

        @Override
        public ExecutorResult read(Kryo kryo, Input in, Class<ExecutorResult> type) {
            String executor = in.readString();
            String host = in.readString();
            int pairs = in.readInt(true);
            Map<String, String> environment = new LinkedHashMap<>();
            for (int i = 0; i < pairs; i++) {
                environment.put(in.readString(), in.readString());
            }
            int n = in.readInt(true);
            List<BenchmarkRow> rows = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                rows.add(new BenchmarkRow(in.readString(), in.readString(), in.readString(), in.readString(),
                        in.readInt(true), in.readDouble(), in.readDouble(), in.readLong(true), in.readString()));
            }
            return new ExecutorResult(executor, host, environment, rows);
        }
    }
}
