// spark-mec in spark-shell: the same steps as examples/train-and-inspect.jsh, for people with a Spark
// installation. Train LeNet on a slice of Fashion-MNIST through the Spark ML Estimator (MecClassifier), look at
// its training history and per-layer memory as DataFrames, score it on test images, and time three convolution
// layers with the layer benchmark.
//
// Needs Spark 4.2 built for Scala 2.13 on Java 17, the project built (mvn -DskipTests package), and
// Fashion-MNIST in /usr/share/datasets/fashion-mnist (Debian's dataset-fashion-mnist). Run from the repository
// root: --jars gives the project's jars and the engine's libraries (OpenBLAS and JavaCPP, JCuda, Typesafe
// Config), --properties-file the spark-mec plugin and Kryo (conf/spark-defaults.conf), which must be set
// before the shell creates its session.
//
//   JARS=$(tr ':' '\n' < jobs/target/runtime-classpath.txt |
//          grep -E '/(mec-engine|spark-mec|openblas|javacpp|jcuda|jcuda-natives|jcublas|jcublas-natives|config)-[0-9][^/]*\.jar$' |
//          paste -sd, -)
//   spark-shell --master 'local[2]' --properties-file conf/spark-defaults.conf --jars "$JARS" \
//               --driver-java-options -Dlog4j2.configurationFile=conf/log4j2.properties \
//               -i examples/train-and-inspect.scala
//
// Not tested: the build machine has no Spark installation (spark-shell) and no Scala compiler. The jshell
// version of the same steps runs in the test suite (JshellExampleTest). The shell stays open
// afterwards with train, test, model and predictions defined; :quit leaves it. The shell reads this file
// statement by statement, so a statement continued on the next line is wrapped in parentheses or braces.

import java.nio.file.Paths
import java.util.{Arrays, Collections}
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator
import org.sparkmec.engine.bench.{BenchLayer, BenchVariant, BenchmarkRow, BenchmarkSummary, LayerBenchmark, LayerSetFile}
import org.sparkmec.engine.data.FashionMnist
import org.sparkmec.engine.runtime.Backends
import org.sparkmec.engine.runtime.EngineConf
import org.sparkmec.spark.MecSparkPlugin
import org.sparkmec.spark.data.ImageFrames
import org.sparkmec.spark.ml.MecClassifier

// ---- 1. The shell's session, started with conf/spark-defaults.conf: the spark-mec plugin (distributed training
// talks to the driver through it) and Kryo with the project's registrator.
println("== 1. Spark session")
println(s"Spark ${spark.version}, master ${spark.sparkContext.master}")
require(MecSparkPlugin.driverActive(), "the spark-mec plugin is not running: start spark-shell with " +
  "--properties-file conf/spark-defaults.conf (see the top of this file)")

// ---- 2. Data: the first 2,000 training and 1,000 test images as DataFrames (label int, image binary).
println("== 2. Data")
val data = FashionMnist.load(FashionMnist.DEFAULT_DIR)
val train = ImageFrames.of(spark, data.train().subset(2000), 4).cache()
val test = ImageFrames.of(spark, data.test().subset(1000), 2).cache()
println(s"train: ${train.count()} images, test: ${test.count()} images")
train.printSchema()
train.groupBy("label").count().orderBy("label").show()

// ---- 3. Training through the Estimator: LeNet (conf/models/lenet.conf), 1 epoch, 2 data-parallel workers of
// 32 images a step; the test images are scored after each epoch (history's test columns).
println("== 3. Training")
val classifier = (new MecClassifier().setModelFile(Paths.get("conf/models/lenet.conf"))
  .setEpochs(1).setBatchSize(32).setWorkers(2).setOptimizer("sgd").setSeed(1))
println(classifier.explainParams())
val fitStart = System.nanoTime()
val model = classifier.fitWithTest(train, test)
println(f"fit: ${(System.nanoTime() - fitStart) / 1e9}%.1f s")

// ---- 4. What training measured, as DataFrames: the history (one row per epoch) and the memory of each layer
// on each executor (weights, gradients, activations, the convolution's workspace, and im2col's for comparison).
println("== 4. History and per-layer memory")
model.history(spark).show()
model.layerMemory(spark).show(false)

// ---- 5. Prediction and accuracy on the test images.
println("== 5. Evaluation")
val predictions = model.transform(test)
predictions.select("label", "prediction", "probability").show(5, false)
val accuracy = (new MulticlassClassificationEvaluator().setMetricName("accuracy")
  .setLabelCol("label").setPredictionCol("prediction").evaluate(predictions))
println(f"test accuracy: $accuracy%.4f on ${test.count()} images")

// ---- 6. Layer benchmark on this machine's CPU: three of the MEC paper's layers (conf/layers/cv.layers),
// MEC against im2col, forward and backward, batch 4, median of 3 runs (./mec bench for real measurements).
println("== 6. Layer benchmark")
val benchRows = {
  val cpu = Backends.create(EngineConf.from(Collections.singletonMap("spark.mec.backend", "cpu")))
  try {
    val bench = new LayerBenchmark(cpu, EngineConf.defaults().mecOptions(cpu.kind()),
      new LayerBenchmark.Settings(4, 1, 3, true, true))
    val layers = LayerSetFile.read(Paths.get("conf/layers/cv.layers"))
      .select(Arrays.asList("cv10", "cv11", "cv12"))
    bench.run(layers, Arrays.asList(BenchVariant.parse("mec"), BenchVariant.parse("im2col")),
      (index: Int, count: Int, layer: BenchLayer, layerRows: java.util.List[BenchmarkRow]) =>
        println(s"layer $index/$count ${layer.name}: ${BenchmarkSummary.progressLine(layerRows)}"))
  } finally {
    cpu.close()
  }
}
benchRows.forEach(r => println(f"${r.layer}%-6s ${r.backend}%-4s ${r.algorithm}%-7s ${r.pass}%-9s ${r.batch}%3d " +
  f"${r.medianMs}%9.3f ms ${r.gflops}%9.1f GFLOP/s ${r.workspaceBytes}%,13d B workspace"))
println("== done")
