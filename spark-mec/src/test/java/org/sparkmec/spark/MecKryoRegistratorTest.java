package org.sparkmec.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.reflect.Array;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.serializer.KryoSerializer;
import org.apache.spark.serializer.SerializerInstance;
import org.apache.spark.sql.catalyst.expressions.GenericRow;
import org.junit.jupiter.api.Test;
import org.sparkmec.engine.backend.BackendKind;
import org.sparkmec.engine.bench.BenchmarkRow;
import org.sparkmec.engine.bench.ExecutorResult;
import org.sparkmec.engine.train.LayerMemoryRow;
import org.sparkmec.spark.data.ImageDataStats;
import org.sparkmec.spark.data.ImageRecord;
import org.sparkmec.spark.train.WorkerReport;
import scala.reflect.ClassTag$;

/** Every class the registrator registers survives a Kryo round trip with registration required. */
class MecKryoRegistratorTest {
    private static final LayerMemoryRow ROW = new LayerMemoryRow("conv1", "conv2d", "mec", 1, 2, 3, 4, 5, 6);
    private static final ExecutorResult BENCH = new ExecutorResult("1", "127.0.0.1",
            Map.of("jvm", "OpenJDK 17", "cpu_cores", "2"),
            List.of(new BenchmarkRow("q1", "cpu", "mec", "forward", 32, 0.125, 61.5, 1L << 40, "A"),
                    new BenchmarkRow("sgemm-2048", "cpu", "sgemm", "forward", 1, Double.MIN_VALUE, 95, 0, "-")));

    private static final Map<Class<?>, Object> SAMPLES = Map.ofEntries(
            Map.entry(ImageRecord.class, ImageRecord.ofBytes(3, new byte[] {0, 1, (byte) 255})),
            Map.entry(ImageRecord[].class, new ImageRecord[] {ImageRecord.ofFloats(9, new float[] {0.5f, -1f}),
                ImageRecord.ofBytes(0, new byte[0])}),
            Map.entry(LayerMemoryRow.class, ROW),
            Map.entry(WorkerReport.class, new WorkerReport(1, "exec-2", "127.0.0.1", 3, 4, BackendKind.CUDA, "1", 5L,
                    160L, 7L, List.of(ROW, ROW))),
            Map.entry(WorkerReport[].class, new WorkerReport[] {
                new WorkerReport(0, "driver", "h", 1, 1, BackendKind.CPU, "", 0, 0, 0, List.of())}),
            Map.entry(ImageDataStats.Pass1.class, new ImageDataStats.Pass1(2).add(ImageRecord.ofBytes(4, new byte[] {1, 2}), 2)),
            Map.entry(float[].class, new float[] {1.5f, Float.NaN}),
            Map.entry(byte[].class, new byte[] {-1, 7}),
            Map.entry(double[].class, new double[] {1e-300, 2}),
            Map.entry(long[].class, new long[] {Long.MIN_VALUE}),
            Map.entry(int[].class, new int[] {42}),
            Map.entry(GenericRow.class, new GenericRow(new Object[] {3, new byte[] {1}})),
            Map.entry(Object[].class, new Object[] {1, "a"}),
            Map.entry(Float[].class, new Float[] {1f, 2f}),
            Map.entry(ExecutorResult.class, BENCH),
            Map.entry(ExecutorResult[].class, new ExecutorResult[] {BENCH,
                new ExecutorResult("driver", "h", Map.of(), List.of())}));

    private static SerializerInstance kryo() {
        SparkConf conf = new SparkConf(false).set("spark.kryo.registrator", MecKryoRegistrator.CLASS_NAME)
                .set("spark.kryo.registrationRequired", "true");
        return new KryoSerializer(conf).newInstance();
    }

    @Test
    void roundTripsEveryRegisteredClass() {
        SerializerInstance kryo = kryo();
        assertEquals(MecKryoRegistrator.CLASSES.size(), SAMPLES.size(), "a sample for every registered class");
        for (Class<?> type : MecKryoRegistrator.CLASSES) {
            Object sample = SAMPLES.get(type);
            ByteBuffer bytes = kryo.serialize(sample, ClassTag$.MODULE$.apply(Object.class));
            Object back = kryo.deserialize(bytes, ClassTag$.MODULE$.apply(Object.class));
            assertEquals(type, back.getClass(), type.getName());
            if (sample instanceof ImageDataStats.Pass1 p) {
                ImageDataStats.Pass1 q = (ImageDataStats.Pass1) back;
                assertEquals(p.merge(new ImageDataStats.Pass1(2)).toString(), q.toString(), type.getName());
            } else if (type.isArray()) {
                assertEquals(Array.getLength(sample), Array.getLength(back), type.getName());
                for (int i = 0; i < Array.getLength(sample); i++) {
                    Object a = Array.get(sample, i);
                    Object b = Array.get(back, i);
                    if (a instanceof Float f && f.isNaN()) {
                        assertEquals(Float.NaN, (Float) b, type.getName());
                    } else {
                        assertEquals(a, b, type.getName() + "[" + i + "]");
                    }
                }
            } else if (sample instanceof GenericRow row) {
                GenericRow r = (GenericRow) back;
                assertEquals(row.get(0), r.get(0));
                assertArrayEquals((byte[]) row.get(1), (byte[]) r.get(1));
            } else {
                assertEquals(sample, back, type.getName());
            }
        }
    }

    @Test
    void anUnregisteredClassIsRefused() {
        assertThrows(Exception.class, () -> kryo().serialize(new java.util.Random(), ClassTag$.MODULE$.apply(Object.class)));
    }
}
