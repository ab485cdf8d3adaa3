/**
 * Training data on Spark: which DataFrame columns hold labels and images and how rows become
 * {@link org.sparkmec.spark.data.ImageRecord}s (pixels NHWC per row, 8-bit pixels scaled to
 * {@code b / 255}), the driver's checks and input normalisation before any training work
 * ({@link org.sparkmec.spark.data.ImageDataStats}), and the one shuffle that deals the images out to
 * the data-parallel workers ({@link org.sparkmec.spark.data.ShardedImages}: image {@code i} to worker
 * {@code i % workers}, each shard in data order). {@link org.sparkmec.spark.data.ImageFolderFrames} reads an image
 * folder with Spark's image data source into such a DataFrame (labels from the class folders, the in-process
 * order), and {@link org.sparkmec.spark.data.ValidationRecords} holds out the validation split the in-process
 * trainer holds out.
 */
package org.sparkmec.spark.data;
