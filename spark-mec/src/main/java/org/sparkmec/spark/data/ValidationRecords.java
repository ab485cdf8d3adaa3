package org.sparkmec.spark.data;

import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.sparkmec.engine.data.ValidationSplit;

/**
 * A training set's records split into the part that trains and the part held out for validation, by
 * {@link ValidationSplit}: record {@code i} (its position in data order) is held out exactly when the in-process
 * trainer holds out image {@code i}. Both parts keep data order; they are views of {@code records} (persist
 * that, not these).
 *
 * @param train      the records trained on
 * @param validation the held-out records, or null when nothing is held out
 */
public record ValidationRecords(JavaRDD<ImageRecord> train, JavaRDD<ImageRecord> validation) {

    /**
     * Splits {@code records}, holding out {@code fraction} of them (0: none, and no Spark job runs).
     *
     * @throws IllegalArgumentException if the fraction leaves either part empty ({@link ValidationSplit#of})
     */
    public static ValidationRecords split(JavaRDD<ImageRecord> records, double fraction, long seed) {
        if (fraction == 0) {
            return new ValidationRecords(records, null);
        }
        ValidationSplit split = ValidationSplit.of(Math.toIntExact(records.count()), fraction, seed);
        JavaPairRDD<ImageRecord, Long> indexed = records.zipWithIndex();
        return new ValidationRecords(indexed.filter(t -> !split.isValidation(t._2())).keys(),
                indexed.filter(t -> split.isValidation(t._2())).keys());
    }
}
