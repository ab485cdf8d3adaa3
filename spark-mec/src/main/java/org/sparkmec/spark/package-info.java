/**
 * The Spark integration: reads {@code spark.mec.*} from SparkConf and hosts one persistent engine per
 * executor; the plugin ({@link org.sparkmec.spark.MecSparkPlugin}) routes the executors' requests to the
 * driver's subsystems, at once through the plugin RPC or later through
 * {@link org.sparkmec.spark.DriverAsk}. Knows nothing of BLAS or CUDA calls: it uses the engine's API.
 */
package org.sparkmec.spark;
