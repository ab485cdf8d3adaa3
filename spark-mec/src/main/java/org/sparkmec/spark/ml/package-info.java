/**
 * Spark ML integration: {@link org.sparkmec.spark.ml.MecClassifier}, an {@code Estimator} that trains a
 * spark-mec network on a DataFrame of labelled NHWC images with the data-parallel
 * {@link org.sparkmec.spark.train.DistributedTrainer}, and the
 * {@link org.sparkmec.spark.ml.MecClassificationModel} it returns, a {@code Model} that adds
 * {@code prediction} (double) and {@code probability} (vector) columns. Both persist with Spark ML's
 * {@code write().save(path)} / {@code load(path)}.
 */
package org.sparkmec.spark.ml;
