package org.sparkmec.spark.data;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.sparkmec.engine.data.LabeledImages;

/**
 * In-memory datasets as DataFrames of the default {@link ImageColumns} ({@code label int},
 * {@code image}), in the dataset's order.
 */
public final class ImageFrames {
    private ImageFrames() {
    }

    /**
     * A DataFrame of {@code images}: the image column is {@code binary} (8-bit pixels) when every value is
     * a byte scaled to [0, 1] ({@code b / 255}, as read from IDX files), so it is 4x smaller, else
     * {@code array<float>}. Either way the trainer sees the same floats.
     *
     * @param partitions the DataFrame's partitions (at least 1)
     */
    public static Dataset<Row> of(SparkSession spark, LabeledImages images, int partitions) {
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions must be at least 1, got " + partitions);
        }
        boolean bytes = isBytes(images);
        StructType schema = new StructType().add("label", DataTypes.IntegerType, false)
                .add("image", bytes ? DataTypes.BinaryType : DataTypes.createArrayType(DataTypes.FloatType, false), false);
        List<Row> rows = new ArrayList<>(images.size());
        for (int i = 0; i < images.size(); i++) {
            float[] v = images.image(i);
            Object image;
            if (bytes) {
                byte[] b = new byte[v.length];
                for (int j = 0; j < v.length; j++) {
                    b[j] = (byte) Math.round(v[j] * 255f);
                }
                image = b;
            } else {
                Float[] boxed = new Float[v.length];
                for (int j = 0; j < v.length; j++) {
                    boxed[j] = v[j];
                }
                image = boxed;
            }
            rows.add(RowFactory.create(images.label(i), image));
        }
        return spark.createDataFrame(JavaSparkContext.fromSparkContext(spark.sparkContext()).parallelize(rows, partitions),
                schema);
    }

    private static boolean isBytes(LabeledImages images) {
        for (int i = 0; i < images.size(); i++) {
            for (float v : images.image(i)) {
                int b = Math.round(v * 255f);
                if (b < 0 || b > 255 || (b & 0xFF) / 255f != v) {
                    return false;
                }
            }
        }
        return true;
    }
}
