/**
 * The layer benchmark on a Spark application's executors: {@link org.sparkmec.spark.bench.ClusterBenchmark}
 * runs the engine's {@link org.sparkmec.engine.bench.LayerBenchmark} on every executor at once (one barrier
 * task each, on the executor's persistent engine) and collects rows and environments on the driver, with a
 * line of progress per finished layer and executor through the spark-mec plugin.
 */
package org.sparkmec.spark.bench;
