/**
 * The Spark integration: reads {@code spark.mec.*} from SparkConf and hosts
 * one persistent engine per executor. Knows nothing of BLAS or CUDA calls: it uses the engine's API.
 */
package org.sparkmec.spark;
