package org.sparkmec.spark.cluster;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.sparkmec.engine.backend.cpu.CpuBackend;
import org.sparkmec.engine.backend.cpu.CpuBackendOptions;
import org.sparkmec.engine.backend.cpu.GemmParallelism;
import org.sparkmec.engine.conv.MecOptions;
import org.sparkmec.engine.data.FashionMnist;
import org.sparkmec.engine.data.LabeledImages;
import org.sparkmec.engine.data.TrainTestSplit;
import org.sparkmec.engine.model.ModelFile;
import org.sparkmec.engine.model.ModelSpec;
import org.sparkmec.engine.train.GradientAggregation;
import org.sparkmec.engine.nn.ParameterVector;
import org.sparkmec.engine.optim.OptimizerKind;
import org.sparkmec.engine.optim.OptimizerSpec;
import org.sparkmec.engine.optim.ScheduleKind;
import org.sparkmec.engine.optim.ScheduleSpec;
import org.sparkmec.engine.train.LocalTrainer;
import org.sparkmec.engine.train.Networks;
import org.sparkmec.engine.train.TrainingOptions;
import org.sparkmec.spark.data.ImageColumns;
import org.sparkmec.spark.data.ImageFrames;
import org.sparkmec.spark.testing.TestSessions;
import org.sparkmec.spark.train.DistributedResult;
import org.sparkmec.spark.train.DistributedTrainer;
import org.sparkmec.spark.train.SparkTrainingOptions;

/**
 * Throughput of the Spark trainer against the in-process trainer, and its per-step overhead by model size.
 * A benchmark, not a test (tag {@code benchmark}, excluded from the test run); it prints its results:
 * <pre>mvn -o -pl spark-mec test -Dtest=TrainingThroughputBenchmark -Dsurefire.excludedGroups=none</pre>
 * Images/s are those of the second of two epochs (the first warms up JIT, engines and buffers).
 */
@Tag("benchmark")
class TrainingThroughputBenchmark {
    private static final int IMAGES = Integer.getInteger("bench.images", 30000);

    /** Models of {@link #overheadByModelSize}: names of conf/models files, or "dense" (see {@link #dense}). */
    private static final String MODELS = System.getProperty("bench.models", "lenet,vgg-small,dense");
    /**
     * Random training images per model of {@link #overheadByModelSize} (steps per epoch: images / 64, and images / 4
     * for "dense"): {@code -Dbench.overheadImages=6000} gives vgg-small as many steps as LeNet; by default LeNet 6000,
     * vgg-small and the other conf models 1500, dense 200.
     */
    private static final Integer OVERHEAD_IMAGES = Integer.getInteger("bench.overheadImages");
    /** Hidden units of the dense model: 8192 gives 25.2M parameters, 1664 about 5.1M. */
    private static final int DENSE_UNITS = Integer.getInteger("bench.denseUnits", 8192);

    private static SparkTrainingOptions options(int workers) {
        return options(workers, 32);
    }

    private static SparkTrainingOptions options(int workers, int batch) {
        return new SparkTrainingOptions(2, batch, 1, 0, OptimizerSpec.defaults(OptimizerKind.SGD).withMomentum(0.9),
                ScheduleSpec.of(ScheduleKind.COSINE, 0.02), 256L << 20, workers, 1000, null);
    }

    @Test
    void lenetLocalAndCluster() throws Exception {
        TrainTestSplit all = FashionMnist.load(FashionMnist.DEFAULT_DIR);
        TrainTestSplit data = new TrainTestSplit(all.train().subset(IMAGES), all.test().subset(2000));
        ModelSpec lenet = ModelFile.read(Path.of("../conf/models/lenet.conf"));
        StringBuilder report = new StringBuilder(String.format(Locale.ROOT,
                "LeNet, Fashion-MNIST %d training images, images/s of epoch 2 of 2, %d cores%n", IMAGES,
                Runtime.getRuntime().availableProcessors()));

        Path dir = Files.createTempDirectory("bench");
        try (CpuBackend backend = new CpuBackend(new CpuBackendOptions(2, GemmParallelism.TASKS, 0))) {
            SparkTrainingOptions o = options(2);
            TrainingOptions opts = new TrainingOptions(2, 64, o.seed(), 0, o.optimizer(), o.schedule(),
                    o.workspaceBudgetBytes(), dir.resolve("local"), false, null, 2);
            LocalTrainer.Result r = new LocalTrainer(backend, lenet, data, opts, MecOptions.defaults(), null).run();
            report.append(line("in-process, batch 64 (2 shards), 2 threads", r.epochs().get(1).imagesPerSecond(), null));
        }

        SparkSession local = TestSessions.start("local[2]", Map.of());
        try {
            DistributedResult r = train(local, lenet, data, 2);
            report.append(line("local[2], 2 workers x 32", r.history().get(1).imagesPerSecond(), r));
        } finally {
            local.stop();
        }

        try (StandaloneCluster cluster = StandaloneCluster.start(2, 1, 2048)) {
            for (int workers : new int[] {1, 2}) {
                Map<String, String> conf = new HashMap<>(TestSessions.baseConf());
                conf.putAll(cluster.sparkConf());
                conf.put("spark.cores.max", Integer.toString(workers));
                SparkSession.Builder b = SparkSession.builder().appName("throughput " + workers);
                conf.forEach(b::config);
                SparkSession spark = b.getOrCreate();
                try {
                    DistributedResult r = train(spark, lenet, data, workers);
                    report.append(line("standalone, " + workers + " worker(s) x 1 core", r.history().get(1).imagesPerSecond(), r));
                } finally {
                    spark.stop();
                }
            }
        }
        System.out.print(report);
        System.err.print(report);
    }

    /**
     * Per-step overhead (driver RPC + aggregation), the driver's CPU time and its payload bytes per step against
     * the parameter count: LeNet, the VGG-style model and a model with one large dense layer and little compute
     * (2 workers x 32 images, the dense model 2 workers x 2). Models: {@code -Dbench.models=lenet,vgg-small,dense}.
     */
    @Test
    void overheadByModelSize() throws Exception {
        StringBuilder report = new StringBuilder("per-step overhead on local[2], 2 workers, means over both epochs\n");
        SparkSession spark = TestSessions.start("local[2]", Map.of());
        try {
            for (String model : MODELS.split(",")) {
                boolean dense = model.equals("dense");
                ModelSpec spec = dense ? dense(DENSE_UNITS)
                        : ModelFile.read(Path.of("../conf/models/" + model + ".conf"));
                LabeledImages images = random(spec, OVERHEAD_IMAGES != null ? OVERHEAD_IMAGES
                        : dense ? 200 : model.equals("lenet") ? 6000 : 1500);
                DistributedResult r = new DistributedTrainer(spark, spec, options(2, dense ? 2 : 32), Map.of())
                        .fit(ImageFrames.of(spark, images, 4), null, ImageColumns.defaults(), null);
                int params;
                try (CpuBackend backend = new CpuBackend(new CpuBackendOptions(1, GemmParallelism.TASKS, 0));
                     var net = Networks.build(backend, spec, MecOptions.defaults(), 0, 1)) {
                    params = ParameterVector.size(net.parameters());
                }
                report.append(String.format(Locale.ROOT, "%-10s %9d parameters (%6.2f MB per message): %s%n", model,
                        params, params * 4 / 1e6, r.stepTimes()));
            }
        } finally {
            spark.stop();
        }
        System.out.print(report);
        System.err.print(report);
    }

    /**
     * The driver's cost per step against the worker count on a standalone cluster of {@code bench.executors}
     * (default 4) executor JVMs of one core, with the dense model ({@code bench.clusterDenseUnits}, default 1664:
     * 5.1M parameters) and 2 images per worker: payload bytes in and out per step, the coordinator's CPU time,
     * and the driver JVM's whole CPU time per step (Spark's RPC and (de)serialization included), for each
     * aggregation of {@code bench.aggregation} (default {@code driver,slices}).
     */
    @Test
    void driverCostByWorkerCount() throws Exception {
        int executors = Integer.getInteger("bench.executors", 4);
        ModelSpec spec = dense(Integer.getInteger("bench.clusterDenseUnits", 1664));
        StringBuilder report = new StringBuilder("driver cost per step on a standalone cluster, " + spec.name()
                + ", 2 images per worker, means over both epochs\n");
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        try (StandaloneCluster cluster = StandaloneCluster.start(executors, 1, 768)) {
            for (String mode : System.getProperty("bench.aggregation", "driver,slices").split(",")) {
            for (int workers = 2; workers <= executors; workers *= 2) {
                Map<String, String> conf = new HashMap<>(TestSessions.baseConf());
                conf.putAll(cluster.sparkConf());
                conf.put("spark.cores.max", Integer.toString(workers));
                SparkSession.Builder b = SparkSession.builder().appName("driver cost " + workers);
                conf.forEach(b::config);
                SparkSession spark = b.getOrCreate();
                try {
                    LabeledImages images = random(spec, 100 * workers);
                    Dataset<Row> frame = ImageFrames.of(spark, images, workers);
                    long cpu0 = os.getProcessCpuTime();
                    DistributedResult r = new DistributedTrainer(spark, spec, options(workers, 2), Map.of())
                            .aggregation(GradientAggregation.parse(mode)).fit(frame, null, ImageColumns.defaults(), null);
                    double jvmCpuMs = (os.getProcessCpuTime() - cpu0) / 1e6 / r.steps();
                    report.append(String.format(Locale.ROOT, "%s, W = %d executors: driver JVM CPU %.2f ms per step "
                            + "(whole fit, jobs included); %s%n", mode, workers, jvmCpuMs, r.stepTimes()));
                } finally {
                    spark.stop();
                }
            }
            }
        }
        System.out.print(report);
        System.err.print(report);
    }

    /**
     * The per-message cost of the wire format, in one JVM: Java serialization of a {@code float[]} (the format
     * before {@code FloatVector}) against {@code FloatVector}'s raw little-endian bytes, and one summation pass
     * (the driver's fold of a part), in ns per parameter; {@code bench.wireFloats} floats (default 5M), best of 5.
     */
    @Test
    void wireFormatCost() throws Exception {
        int n = Integer.getInteger("bench.wireFloats", 5_000_000);
        float[] v = new float[n];
        SplittableRandom rnd = new SplittableRandom(1);
        for (int i = 0; i < n; i++) {
            v[i] = (float) rnd.nextDouble();
        }
        float[] sum = new float[n];
        double[] best = {Double.MAX_VALUE, Double.MAX_VALUE, Double.MAX_VALUE, Double.MAX_VALUE, Double.MAX_VALUE};
        for (int rep = 0; rep < 5; rep++) {
            for (int kind = 0; kind < 2; kind++) {
                Object message = kind == 0 ? v : new org.sparkmec.spark.train.FloatVector(v.clone());
                java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream(4 * n + 1024);
                long t0 = System.nanoTime();
                try (java.io.ObjectOutputStream out = new java.io.ObjectOutputStream(bytes)) {
                    out.writeObject(message);
                }
                long t1 = System.nanoTime();
                try (java.io.ObjectInputStream in = new java.io.ObjectInputStream(
                        new java.io.ByteArrayInputStream(bytes.toByteArray()))) {
                    in.readObject();
                }
                long t2 = System.nanoTime();
                best[2 * kind] = Math.min(best[2 * kind], (t1 - t0) / (double) n);
                best[2 * kind + 1] = Math.min(best[2 * kind + 1], (t2 - t1) / (double) n);
            }
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                sum[i] += v[i];
            }
            best[4] = Math.min(best[4], (System.nanoTime() - t0) / (double) n);
        }
        String report = String.format(Locale.ROOT, "wire format, %d floats, ns per parameter (best of 5): float[] "
                        + "Java serialization %.2f write, %.2f read; FloatVector %.2f write, %.2f read; one summation "
                        + "pass %.2f (checksum %.1f)%n", n, best[0], best[1], best[2], best[3], best[4], sum[n / 2]);
        System.out.print(report);
        System.err.print(report);
    }

    private static DistributedResult train(SparkSession spark, ModelSpec spec, TrainTestSplit data, int workers) {
        Dataset<Row> train = ImageFrames.of(spark, data.train(), 4);
        Dataset<Row> test = ImageFrames.of(spark, data.test(), 2);
        return new DistributedTrainer(spark, spec, options(workers), Map.of())
                .fit(train, test, ImageColumns.defaults(), null);
    }

    /** 32x32x3 input, one hidden dense layer of {@code units}, 10 classes: 3073 x units + 10 x (units + 1) parameters. */
    private static ModelSpec dense(int units) {
        return ModelFile.parse("name = dense" + units + "\ninput { height = 32, width = 32, channels = 3 }\n"
                + "layers = [\n  { type = flatten }\n  { type = dense, name = fc1, units = " + units + " }\n"
                + "  { type = relu }\n  { type = dense, name = fc2, units = 10 }\n]\n", "dense benchmark model");
    }

    private static String line(String what, double imagesPerSecond, DistributedResult r) {
        return String.format(Locale.ROOT, "%-45s %8.0f images/s%s%n", what, imagesPerSecond,
                r == null ? "" : "  (" + r.stepTimes() + ")");
    }

    private static LabeledImages random(ModelSpec spec, int n) {
        int h = spec.input().height();
        int w = spec.input().width();
        int c = spec.input().channels();
        SplittableRandom rnd = new SplittableRandom(3);
        float[] pixels = new float[n * h * w * c];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (float) rnd.nextDouble();
        }
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = rnd.nextInt(spec.classes());
        }
        return new LabeledImages("random", h, w, c, pixels, labels, spec.classes());
    }
}
