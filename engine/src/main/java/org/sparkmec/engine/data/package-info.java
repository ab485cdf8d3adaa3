/**
 * Training data in memory: MNIST-format (IDX) files, labeled NHWC float32 images, normalization and the
 * order in which examples are visited.
 *
 * <p>Pipeline, in this order: {@link org.sparkmec.engine.data.FashionMnist#load} reads the IDX files
 * ({@link org.sparkmec.engine.data.IdxReader}) into {@link org.sparkmec.engine.data.LabeledImages} with
 * pixels scaled to [0, 1]; {@link org.sparkmec.engine.data.LabeledImages#subset} keeps the first N
 * examples if asked; {@link org.sparkmec.engine.data.Normalization#fit} computes the per-channel mean and
 * standard deviation of the (possibly limited) training set, and
 * {@link org.sparkmec.engine.data.Normalization#apply} standardizes both the training and the test set
 * with those training statistics. {@link org.sparkmec.engine.data.MiniBatches} cuts an epoch into batches
 * of indices, shuffled by {@link org.sparkmec.engine.data.EpochOrder} deterministically from
 * (seed, epoch), so a resumed run visits examples in the same order as an uninterrupted one.
 *
 * <p>Other data: {@link org.sparkmec.engine.data.ImageFolder} reads a folder of PNG/JPEG files
 * ({@code train/<label>/}, {@code test/<label>/}; labels by {@link org.sparkmec.engine.data.ClassFolders}),
 * decoding them as Spark's image data source does ({@link org.sparkmec.engine.data.ImageDecoding}, RGB order,
 * {@code b / 255}), and {@link org.sparkmec.engine.data.ImageFolderWriter} writes one. For training,
 * {@link org.sparkmec.engine.data.ValidationSplit} holds out a seeded part of the training set and
 * {@link org.sparkmec.engine.data.Augmentation} crops and flips batches by (seed, epoch, global index) only.
 *
 * <p>Everything here lives on the Java heap and is immutable once built; batches are copied into
 * caller-provided arrays or tensors.
 */
package org.sparkmec.engine.data;
