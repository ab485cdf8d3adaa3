// spark-mec as a notebook, in jshell: train LeNet on a slice of Fashion-MNIST through the Spark ML
// Estimator (MecClassifier), look at its training history and per-layer memory as DataFrames, score it on
// test images, and time three convolution layers with the layer benchmark. Each block below is one notebook
// cell and prints what the notebook would show.
//
// Run from the repository root (the model and layer-set paths are relative to it):
//   ./mec jshell examples/train-and-inspect.jsh
// or, after a build (mvn -DskipTests package), with jshell itself. The JVM that runs the snippets (-R) needs
// the --add-opens Spark 4.2 asks for on Java 17 (jobs/target/launcher/jvm-options.txt):
//   jshell -R-Xmx2g $(sed 's/[^ ]*/-R&/g' jobs/target/launcher/jvm-options.txt) \
//          -R-Dlog4j2.configurationFile=conf/log4j2.properties \
//          --class-path "$(cat jobs/target/runtime-classpath.txt):jobs/target/classes" \
//          examples/train-and-inspect.jsh
// About 40 s on 2 cores. Reads Fashion-MNIST from /usr/share/datasets/fashion-mnist (Debian's package
// dataset-fashion-mnist; change dataDir below for another folder). jshell ends a statement where a line
// completes one, so a continued line ends with '.', ',' or an open parenthesis.

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.sparkmec.engine.backend.Backend;
import org.sparkmec.engine.bench.BenchLayer;
import org.sparkmec.engine.bench.BenchVariant;
import org.sparkmec.engine.bench.BenchmarkRow;
import org.sparkmec.engine.bench.BenchmarkSummary;
import org.sparkmec.engine.bench.LayerBenchmark;
import org.sparkmec.engine.bench.LayerSetFile;
import org.sparkmec.engine.data.FashionMnist;
import org.sparkmec.engine.data.TrainTestSplit;
import org.sparkmec.engine.runtime.Backends;
import org.sparkmec.engine.runtime.EngineConf;
import org.sparkmec.spark.data.ImageFrames;
import org.sparkmec.spark.ml.MecClassificationModel;
import org.sparkmec.spark.ml.MecClassifier;

// ---- 1. A local Spark session with the project's settings (conf/spark-defaults.conf): the spark-mec plugin
// (distributed training talks to the driver through it) and Kryo with the project's registrator.
System.out.println("== 1. Spark session");
Map<String, String> settings = Map.of(
        "spark.plugins", "org.sparkmec.spark.MecSparkPlugin",
        "spark.serializer", "org.apache.spark.serializer.KryoSerializer",
        "spark.kryo.registrator", "org.sparkmec.spark.MecKryoRegistrator",
        "spark.kryo.registrationRequired", "true",
        "spark.mec.backend", "cpu",
        "spark.sql.shuffle.partitions", "4",
        "spark.ui.enabled", "false",
        "spark.driver.host", "127.0.0.1",
        "spark.driver.bindAddress", "127.0.0.1");
SparkSession.Builder builder = SparkSession.builder().master("local[2]").appName("spark-mec notebook");
settings.forEach(builder::config);
SparkSession spark = builder.getOrCreate();
System.out.println("Spark " + spark.version() + ", master " + spark.sparkContext().master());

// ---- 2. Data: the first 2,000 training and 1,000 test images as DataFrames (label int, image binary).
System.out.println("== 2. Data");
Path dataDir = FashionMnist.DEFAULT_DIR;
TrainTestSplit data = FashionMnist.load(dataDir);
Dataset<Row> train = ImageFrames.of(spark, data.train().subset(2000), 4).cache();
Dataset<Row> test = ImageFrames.of(spark, data.test().subset(1000), 2).cache();
System.out.println("train: " + train.count() + " images, test: " + test.count() + " images");
train.printSchema();
train.groupBy("label").count().orderBy("label").show();

// ---- 3. Training through the Estimator: LeNet (conf/models/lenet.conf), 1 epoch, 2 data-parallel workers of
// 32 images a step; the test images are scored after each epoch (history's test columns).
System.out.println("== 3. Training");
MecClassifier classifier = new MecClassifier().setModelFile(Path.of("conf/models/lenet.conf")).
        setEpochs(1).setBatchSize(32).setWorkers(2).setOptimizer("sgd").setSeed(1);
System.out.println(classifier.explainParams());
long fitStart = System.nanoTime();
MecClassificationModel model = classifier.fitWithTest(train, test);
System.out.printf("fit: %.1f s%n", (System.nanoTime() - fitStart) / 1e9);

// ---- 4. What training measured, as DataFrames: the history (one row per epoch) and the memory of each layer
// on each executor (weights, gradients, activations, the convolution's workspace, and im2col's for comparison).
System.out.println("== 4. History and per-layer memory");
model.history(spark).show();
model.layerMemory(spark).show(false);

// ---- 5. Prediction and accuracy on the test images.
System.out.println("== 5. Evaluation");
Dataset<Row> predictions = model.transform(test);
predictions.select("label", "prediction", "probability").show(5, false);
MulticlassClassificationEvaluator evaluator = new MulticlassClassificationEvaluator().setMetricName("accuracy");
double accuracy = evaluator.setLabelCol("label").setPredictionCol("prediction").evaluate(predictions);
System.out.printf("test accuracy: %.4f on %d images%n", accuracy, test.count());

// ---- 6. Layer benchmark on this machine's CPU: three of the MEC paper's layers (conf/layers/cv.layers),
// MEC against im2col, forward and backward, batch 4, median of 3 runs (./mec bench for real measurements).
System.out.println("== 6. Layer benchmark");
List<BenchmarkRow> rows;
try (Backend cpu = Backends.create(EngineConf.from(Map.of("spark.mec.backend", "cpu")))) {
    LayerBenchmark bench = new LayerBenchmark(cpu, EngineConf.defaults().mecOptions(cpu.kind()),
            new LayerBenchmark.Settings(4, 1, 3, true, true));
    List<BenchLayer> layers = LayerSetFile.read(Path.of("conf/layers/cv.layers")).
            select(List.of("cv10", "cv11", "cv12"));
    rows = bench.run(layers, List.of(BenchVariant.parse("mec"), BenchVariant.parse("im2col")),
            (index, count, layer, layerRows) -> System.out.println("layer " + index + "/" + count + " " +
                    layer.name() + ": " + BenchmarkSummary.progressLine(layerRows)));
}
for (BenchmarkRow r : rows) {
    System.out.printf("%-6s %-4s %-7s %-9s %3d %9.3f ms %9.1f GFLOP/s %,13d B workspace%n", r.layer(), r.backend(),
            r.algorithm(), r.pass(), r.batch(), r.medianMs(), r.gflops(), r.workspaceBytes());
}

// ---- 7. Done.
spark.stop();
System.out.println("== done");
/exit
