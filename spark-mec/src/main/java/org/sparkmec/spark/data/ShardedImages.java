package org.sparkmec.spark.data;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.Partitioner;
import org.apache.spark.api.java.JavaRDD;
import org.sparkmec.engine.data.LabeledImages;
import org.sparkmec.engine.data.Normalization;
import scala.Tuple2;

/**
 * Deals a dataset out to data-parallel workers as {@link org.sparkmec.engine.data.ShardedEpochOrder}
 * defines it: the image at position {@code i} of the data (row order) goes to partition {@code i % workers},
 * and each partition is sorted by position, so partition {@code w} holds worker {@code w}'s shard in local
 * order. One Spark shuffle, done once per training run.
 */
public final class ShardedImages {
    private ShardedImages() {
    }

    /** {@code workers} partitions, the {@code i}-th record of {@code records} in partition {@code i % workers}. */
    public static JavaRDD<ImageRecord> shard(JavaRDD<ImageRecord> records, int workers) {
        return records.zipWithIndex()
                .mapToPair(t -> new Tuple2<>(t._2(), t._1()))
                .repartitionAndSortWithinPartitions(new ModuloPartitioner(workers))
                .values();
    }

    /**
     * A shard's records as a normalized in-memory dataset, as the in-process trainer would see those images.
     *
     * @param dims {@code (h, w, c)} of one image
     */
    public static LabeledImages toLabeledImages(Iterator<ImageRecord> records, String name, int[] dims, int classes,
                                                Normalization normalization) {
        int size = dims[0] * dims[1] * dims[2];
        List<ImageRecord> all = new ArrayList<>();
        records.forEachRemaining(all::add);
        if (all.isEmpty()) {
            return null;
        }
        float[] pixels = new float[Math.multiplyExact(all.size(), size)];
        int[] labels = new int[all.size()];
        for (int i = 0; i < all.size(); i++) {
            ImageRecord r = all.get(i);
            if (r.size() != size) {
                throw new IllegalArgumentException(name + ": image " + i + " has " + r.size() + " values, expected " + size);
            }
            r.copyTo(pixels, i * size);
            labels[i] = r.label();
        }
        return normalization.apply(new LabeledImages(name, dims[0], dims[1], dims[2], pixels, labels, classes));
    }

    /** Sends key {@code i} (a position, a {@code Long}) to partition {@code i % partitions}. */
    public static final class ModuloPartitioner extends Partitioner {
        private static final long serialVersionUID = 1L;
        private final int partitions;

        public ModuloPartitioner(int partitions) {
            if (partitions < 1) {
                throw new IllegalArgumentException("partitions must be at least 1, got " + partitions);
            }
            this.partitions = partitions;
        }

        @Override
        public int numPartitions() {
            return partitions;
        }

        @Override
        public int getPartition(Object key) {
            return (int) Math.floorMod((Long) key, (long) partitions);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof ModuloPartitioner p && p.partitions == partitions;
        }

        @Override
        public int hashCode() {
            return partitions;
        }
    }
}
