package org.sparkmec.spark.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.rdd.RDD;
import org.apache.spark.resource.ResourceInformation;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.sparkmec.engine.backend.BackendKind;
import org.sparkmec.engine.data.LabeledImages;
import org.sparkmec.engine.model.ModelFile;
import org.sparkmec.engine.model.ModelSpec;
import org.sparkmec.engine.nn.ConvAlgorithmChoice;
import org.sparkmec.engine.optim.OptimizerKind;
import org.sparkmec.engine.optim.OptimizerSpec;
import org.sparkmec.engine.optim.ScheduleKind;
import org.sparkmec.engine.optim.ScheduleSpec;
import org.sparkmec.engine.runtime.EngineConf;
import org.sparkmec.spark.PermanentFailureException;
import org.sparkmec.spark.data.ImageColumns;
import org.sparkmec.spark.data.ImageFrames;
import org.sparkmec.spark.executor.TaskGpu;
import org.sparkmec.spark.ml.MecClassifier;
import org.sparkmec.spark.testing.TestSessions;
import org.sparkmec.spark.train.DistributedResult;
import org.sparkmec.spark.train.DistributedTrainer;
import org.sparkmec.spark.train.SparkTrainingOptions;
import org.sparkmec.spark.train.WorkerReport;
import scala.Function1;
import scala.jdk.javaapi.CollectionConverters;
import scala.reflect.ClassTag$;

/**
 * MEC engines bind to the GPUs Spark's resource scheduling assigns, on a machine without a GPU.
 *
 * <p>Why a standalone cluster and not {@code local[2]}: Spark 4.2's local mode offers its tasks no custom
 * resources (its {@code LocalSchedulerBackend} makes worker offers without any, whatever
 * {@code spark.driver.resource.gpu.*} discovered), so a job with {@code spark.task.resource.gpu.amount} set
 * is never scheduled there (measured: it hangs). So one worker (2 cores) runs a stub discovery script that
 * reports GPUs "0" and "1" ({@code spark.worker.resource.gpu.*}); the application asks for 2 GPUs per
 * executor and 1 per task, and its two concurrent tasks each hold one address. Nothing opens a GPU unless
 * the engine is asked to: {@code cuda} fails there (no NVIDIA driver), {@code auto} falls back to the CPU.
 */
@Tag("cluster")
@Timeout(value = 180, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class GpuResourceBindingTest {
    private static final String MODEL = """
            name = tiny
            input { height = 8, width = 8, channels = 1 }
            layers = [
              { type = conv2d, name = conv1, filters = 4, kernel = 3, algorithm = mec }
              { type = relu }
              { type = flatten }
              { type = dense, name = fc1, units = 3 }
            ]
            """;
    private static final int IMAGES = 96;

    @TempDir
    static Path tmp;

    private static StandaloneCluster cluster;
    private static SparkSession spark;
    private static Dataset<Row> images;
    private static ModelSpec model;

    @BeforeAll
    static void start() throws IOException {
        Path script = tmp.resolve("stub-gpu-discovery.sh");
        Files.writeString(script, "#!/bin/sh\necho '{\"name\": \"gpu\", \"addresses\": [\"0\", \"1\"]}'\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        cluster = StandaloneCluster.start(1, 2, 1024, Map.of(
                "spark.worker.resource.gpu.amount", "2",
                "spark.worker.resource.gpu.discoveryScript", script.toString()));
        Map<String, String> conf = new HashMap<>(TestSessions.baseConf());
        conf.putAll(cluster.sparkConf());
        conf.put("spark.executor.resource.gpu.amount", "2");
        conf.put("spark.task.resource.gpu.amount", "1");
        conf.put(EngineConf.BACKEND.key(), "auto");
        conf.put(EngineConf.CPU_THREADS.key(), "1");
        spark = TestSessions.start(conf.remove("spark.master"), conf);
        spark.sparkContext().setLogLevel("WARN");
        model = ModelFile.parse(MODEL, "the test's model");
        images = ImageFrames.of(spark, syntheticImages(), 2);
    }

    @AfterAll
    static void stop() {
        if (spark != null) {
            spark.stop();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    private static LabeledImages syntheticImages() {
        Random random = new Random(11);
        float[] pixels = new float[IMAGES * 64];
        int[] labels = new int[IMAGES];
        for (int i = 0; i < IMAGES; i++) {
            labels[i] = i % 3;
            for (int p = 0; p < 64; p++) {
                pixels[i * 64 + p] = (p % 3 == labels[i] ? 0.5f : 0f) + 0.5f * random.nextFloat();
            }
        }
        return new LabeledImages("synthetic 8x8", 8, 8, 1, pixels, labels, 3);
    }

    private static DistributedTrainer trainer(String backend) {
        SparkTrainingOptions options = new SparkTrainingOptions(1, 16, 5, 0,
                OptimizerSpec.defaults(OptimizerKind.SGD).withMomentum(0.9),
                ScheduleSpec.of(ScheduleKind.CONSTANT, 0.05), 64L << 20, 2, 100, ConvAlgorithmChoice.MEC);
        return new DistributedTrainer(spark, model, options, Map.of(EngineConf.BACKEND.key(), backend,
                EngineConf.CPU_THREADS.key(), "1"));
    }

    /**
     * Two tasks of a barrier stage run at once: each gets "ordinal=Spark's addresses" from its task, and the
     * two GPUs differ.
     */
    @Test
    @SuppressWarnings("unchecked")
    void concurrentTasksGetDistinctAssignedAddresses() {
        JavaRDD<Integer> two = JavaSparkContext.fromSparkContext(spark.sparkContext()).parallelize(List.of(0, 1), 2);
        Function1<scala.collection.Iterator<Integer>, scala.collection.Iterator<String>> body =
                (Function1<scala.collection.Iterator<Integer>, scala.collection.Iterator<String>> & Serializable) it -> {
                    BarrierTaskContext task = BarrierTaskContext.get();
                    ResourceInformation gpu = task.resourcesJMap().get(TaskGpu.RESOURCE);
                    String fromSpark = gpu == null ? "none" : String.join(",", gpu.addresses());
                    String seen = TaskGpu.assigned(task).getAsInt() + "=" + fromSpark;
                    return CollectionConverters.asScala(List.of(seen).iterator());
                };
        RDD<String> rdd = two.rdd().barrier().mapPartitions(body, false, ClassTag$.MODULE$.apply(String.class));
        List<String> seen = JavaRDD.fromRDD(rdd, ClassTag$.MODULE$.apply(String.class)).collect();
        assertEquals(Set.of("0=0", "1=1"), new TreeSet<>(seen), "per task: TaskGpu's ordinal = Spark's one address");
    }

    /**
     * cuda: an executor cannot use its GPU, found by the engine probe before the training stage, and the driver's
     * error names the executor, the GPU and why, in one line.
     */
    @Test
    void cudaFailsNamingTheAssignedGpuAndTheReason() {
        PermanentFailureException e = assertThrows(PermanentFailureException.class,
                () -> trainer("cuda").fit(images, null, ImageColumns.defaults(), null));
        String m = e.getMessage();
        assertTrue(m.startsWith("training tiny cannot start: on executor "), m);
        assertFalse(m.contains("\n"), m);
        assertTrue(m.contains("spark.mec.backend=cuda was requested but GPU 0 (assigned by the scheduler)")
                || m.contains("spark.mec.backend=cuda was requested but GPU 1 (assigned by the scheduler)"), m);
        assertTrue(m.contains("no NVIDIA driver"), m);
    }

    /** auto: each worker's engine falls back to the CPU; the reports name the GPU each task was assigned. */
    @Test
    void autoFallsBackToTheCpuAndTrainsAndPredicts() {
        DistributedResult result = trainer("auto").fit(images, null, ImageColumns.defaults(), null);
        assertEquals(2, result.workers().size());
        for (WorkerReport r : result.workers()) {
            assertEquals(BackendKind.CPU, r.backend(), r.describe());
            assertTrue(r.describe().contains("backend CPU, GPU address " + r.gpuAddress() + " assigned by Spark"),
                    r.describe());
        }
        assertEquals(Set.of("0", "1"), result.workers().stream().map(WorkerReport::gpuAddress)
                .collect(Collectors.toSet()), "the two concurrent workers hold distinct GPUs");
        assertEquals(IMAGES, result.workers().stream().mapToLong(WorkerReport::images).sum());

        List<Row> predicted = new MecClassifier().setModelSpec(MODEL).setEpochs(1).setBatchSize(16).setWorkers(2)
                .fit(images).transform(images).collectAsList();
        assertEquals(IMAGES, predicted.size());
        predicted.forEach(r -> assertTrue(r.getDouble(2) >= 0 && r.getDouble(2) < 3, r.toString()));
    }
}
