package org.sparkmec.spark.data;

import java.io.Serializable;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.api.java.JavaRDD;
import org.sparkmec.engine.data.Normalization;

/**
 * What the driver checks about a training (or test) set before any training work starts, computed by
 * two Spark passes over the records: the count, the label range, images whose size is not the model's,
 * and (for the training set) the per-channel {@link Normalization} exactly as
 * {@link Normalization#fit} defines it (mean, then population standard deviation around it, in double).
 *
 * @param count           images
 * @param minLabel        smallest label (Integer.MAX_VALUE when empty)
 * @param maxLabel        largest label (Integer.MIN_VALUE when empty)
 * @param wrongSizeCount  images whose value count is not the expected one
 * @param firstWrongSize  the value count of one such image (-1 if none)
 */
public record ImageDataStats(long count, int minLabel, int maxLabel, long wrongSizeCount, int firstWrongSize,
                             Normalization normalization) implements Serializable {

    /**
     * Computes the statistics; the normalization only when {@code fitNormalization} (else null).
     *
     * @param imageSize values per image the model takes (height x width x channels)
     */
    public static ImageDataStats compute(JavaRDD<ImageRecord> records, int imageSize, int channels,
                                         boolean fitNormalization) {
        Pass1 p = inPartitionOrder(records, new Pass1(channels), (acc, r) -> acc.add(r, imageSize), Pass1::merge);
        Normalization norm = null;
        if (fitNormalization && p.count > 0 && p.wrongSize == 0) {
            long perChannel = p.count * (imageSize / channels);
            double[] mean = new double[channels];
            for (int c = 0; c < channels; c++) {
                mean[c] = p.sum[c] / perChannel;
            }
            double[] squares = inPartitionOrder(records, new double[channels], (acc, r) -> {
                for (int i = 0; i < imageSize; i++) {
                    double d = r.value(i) - mean[i % channels];
                    acc[i % channels] += d * d;
                }
                return acc;
            }, (a, b) -> {
                for (int c = 0; c < a.length; c++) {
                    a[c] += b[c];
                }
                return a;
            });
            double[] std = new double[channels];
            for (int c = 0; c < channels; c++) {
                double s = Math.sqrt(squares[c] / perChannel);
                std[c] = s > 0 ? s : 1;
            }
            norm = new Normalization(mean, std);
        }
        return new ImageDataStats(p.count, p.minLabel, p.maxLabel, p.wrongSize, p.firstWrongSize, norm);
    }

    /**
     * As {@code records.aggregate(zero, seqOp, combOp)}, but the partitions' results are merged on the driver in
     * partition order, not in the order their tasks finish: floating-point sums (the normalization's squares)
     * then do not depend on timing, so runs with a seed are reproducible on a cluster.
     */
    private static <A extends Serializable> A inPartitionOrder(JavaRDD<ImageRecord> records, A zero,
                                                              Function2<A, ImageRecord, A> seqOp,
                                                              Function2<A, A, A> combOp) {
        List<A> parts = records.mapPartitions((FlatMapFunction<Iterator<ImageRecord>, A>) it -> {
            A acc = zero;
            while (it.hasNext()) {
                acc = seqOp.call(acc, it.next());
            }
            return List.of(acc).iterator();
        }).collect();
        if (parts.isEmpty()) {
            return zero;
        }
        A result = parts.get(0);
        try {
            for (int i = 1; i < parts.size(); i++) {
                result = combOp.call(result, parts.get(i));
            }
        } catch (Exception e) {
            throw new IllegalStateException("merging the data statistics failed: " + e.getMessage(), e);
        }
        return result;
    }

    /**
     * Throws if the data cannot train (or be evaluated by) a model taking {@code imageDescription} images
     * of {@code imageSize} values into {@code classes} classes.
     *
     * @param what e.g. "training data"
     * @throws IllegalArgumentException naming the offending values and what was expected
     */
    public void check(String what, int imageSize, String imageDescription, int classes, String modelName) {
        if (count == 0) {
            throw new IllegalArgumentException("the " + what + " is empty: no rows to train on");
        }
        if (wrongSizeCount > 0) {
            throw new IllegalArgumentException("the " + what + " has " + wrongSizeCount + " images of the wrong size (e.g. "
                    + firstWrongSize + " values); model " + modelName + " takes " + imageDescription + " images = "
                    + imageSize + " values (NHWC) per row");
        }
        if (minLabel < 0 || maxLabel >= classes) {
            throw new IllegalArgumentException("the " + what + " has labels from " + minLabel + " to " + maxLabel
                    + "; model " + modelName + " has " + classes + " classes, so labels must be in [0, " + classes + ")");
        }
    }

    /** The first pass's accumulator (a task result, so Kryo-registered). */
    public static final class Pass1 implements Serializable {
        private static final long serialVersionUID = 1L;
        long count;
        int minLabel = Integer.MAX_VALUE;
        int maxLabel = Integer.MIN_VALUE;
        long wrongSize;
        int firstWrongSize = -1;
        final double[] sum;

        /** An empty accumulator for images of {@code channels} channels. */
        public Pass1(int channels) {
            sum = new double[channels];
        }

        /** Counts one image that should hold {@code imageSize} values. */
        public Pass1 add(ImageRecord r, int imageSize) {
            count++;
            minLabel = Math.min(minLabel, r.label());
            maxLabel = Math.max(maxLabel, r.label());
            if (r.size() != imageSize) {
                wrongSize++;
                if (firstWrongSize < 0) {
                    firstWrongSize = r.size();
                }
                return this;
            }
            int channels = sum.length;
            for (int i = 0; i < imageSize; i++) {
                sum[i % channels] += r.value(i);
            }
            return this;
        }

        /** Adds another partition's accumulator into this one. */
        public Pass1 merge(Pass1 o) {
            count += o.count;
            minLabel = Math.min(minLabel, o.minLabel);
            maxLabel = Math.max(maxLabel, o.maxLabel);
            wrongSize += o.wrongSize;
            if (firstWrongSize < 0) {
                firstWrongSize = o.firstWrongSize;
            }
            for (int c = 0; c < sum.length; c++) {
                sum[c] += o.sum[c];
            }
            return this;
        }

        @Override
        public String toString() {
            return "Pass1[count " + count + ", labels " + minLabel + ".." + maxLabel + ", wrong size " + wrongSize + " (first "
                    + firstWrongSize + "), sums " + java.util.Arrays.toString(sum) + "]";
        }
    }
}
