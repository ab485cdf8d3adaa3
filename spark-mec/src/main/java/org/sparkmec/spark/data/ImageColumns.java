package org.sparkmec.spark.data;

import java.io.Serializable;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Which DataFrame columns hold the label and the image, and how rows become {@link ImageRecord}s.
 *
 * <p>Accepted types: the label an integral column (byte, short, int, long) or a double holding a whole
 * number (Spark ML's convention); the image {@code binary} (8-bit pixels, scaled to {@code b / 255}),
 * {@code array<float>}, {@code array<double>} or an ML {@code Vector} (values used as given). Pixels are
 * NHWC: height x width x channels values per row. Nulls are rejected with the row's position.
 *
 * @param labelColumn the label column (may be null for {@link #images} only, e.g. at prediction time)
 * @param imageColumn the image column
 */
public record ImageColumns(String labelColumn, String imageColumn) implements Serializable {

    /** The default names {@code label} and {@code image}. */
    public static ImageColumns defaults() {
        return new ImageColumns("label", "image");
    }

    /**
     * Checks that the schema has the columns with accepted types.
     *
     * @param needLabel whether the label column is required
     * @throws IllegalArgumentException naming the column, its type and what is accepted
     */
    public void validate(StructType schema, boolean needLabel) {
        imageType(schema);
        if (needLabel) {
            DataType t = field(schema, labelColumn, "label").dataType();
            if (!isIntegral(t) && !t.equals(DataTypes.DoubleType)) {
                throw new IllegalArgumentException("label column '" + labelColumn + "' has type " + t.simpleString()
                        + "; expected an integral type (int, long, short, byte) or double holding class indices");
            }
        }
    }

    /** The image column's type, validated. */
    public DataType imageType(StructType schema) {
        DataType t = field(schema, imageColumn, "image").dataType();
        boolean ok = t.equals(DataTypes.BinaryType) || t instanceof VectorUDT
                || (t instanceof ArrayType a && (a.elementType().equals(DataTypes.FloatType)
                || a.elementType().equals(DataTypes.DoubleType)));
        if (!ok) {
            throw new IllegalArgumentException("image column '" + imageColumn + "' has type " + t.simpleString()
                    + "; expected binary (8-bit pixels), array<float>, array<double> or vector, NHWC values per row");
        }
        return t;
    }

    private static StructField field(StructType schema, String name, String role) {
        if (name == null || !Arrays.asList(schema.fieldNames()).contains(name)) {
            throw new IllegalArgumentException("the " + role + " column '" + name + "' is not in the data; its columns are "
                    + List.of(schema.fieldNames()));
        }
        return schema.apply(name);
    }

    private static boolean isIntegral(DataType t) {
        return t.equals(DataTypes.IntegerType) || t.equals(DataTypes.LongType) || t.equals(DataTypes.ShortType)
                || t.equals(DataTypes.ByteType);
    }

    /** The labelled images of {@code data} (validated first), in the DataFrame's row order. */
    public JavaRDD<ImageRecord> records(Dataset<Row> data) {
        validate(data.schema(), true);
        ImageColumns columns = this;
        return data.select(labelColumn, imageColumn).javaRDD().map(row -> columns.record(row, 0, 1));
    }

    /** The row's label (column {@code labelAt}) and image (column {@code imageAt}). */
    public ImageRecord record(Row row, int labelAt, int imageAt) {
        if (row.isNullAt(labelAt) || row.isNullAt(imageAt)) {
            throw new IllegalArgumentException("a row has a null " + (row.isNullAt(labelAt) ? "label" : "image")
                    + " (columns '" + labelColumn + "', '" + imageColumn + "'): " + abbreviate(row));
        }
        Object label = row.get(labelAt);
        int classIndex;
        if (label instanceof Double d) {
            if (d != Math.rint(d) || Math.abs(d) > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("label " + d + " in column '" + labelColumn
                        + "' is not a class index (a whole number)");
            }
            classIndex = (int) (double) d;
        } else {
            long l = ((Number) label).longValue();
            if (l < Integer.MIN_VALUE || l > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("label " + l + " in column '" + labelColumn + "' is out of range");
            }
            classIndex = (int) l;
        }
        Object image = row.get(imageAt);
        if (image instanceof byte[] b) {
            return ImageRecord.ofBytes(classIndex, b);
        }
        return ImageRecord.ofFloats(classIndex, floats(image));
    }

    /** The pixels of an image value of an accepted type, as floats ({@code b / 255} for bytes). */
    public static float[] floats(Object image) {
        if (image instanceof byte[] b) {
            return ImageRecord.ofBytes(0, b).toFloats();
        }
        if (image instanceof Vector v) {
            double[] d = v.toArray();
            float[] f = new float[d.length];
            for (int i = 0; i < d.length; i++) {
                f[i] = (float) d[i];
            }
            return f;
        }
        if (image instanceof scala.collection.Seq<?> seq) {
            float[] f = new float[seq.size()];
            scala.collection.Iterator<?> it = seq.iterator();
            for (int i = 0; it.hasNext(); i++) {
                Object x = it.next();
                if (x == null) {
                    throw new IllegalArgumentException("an image array holds a null at position " + i);
                }
                f[i] = ((Number) x).floatValue();
            }
            return f;
        }
        throw new IllegalArgumentException("unsupported image value of class " + image.getClass().getName());
    }

    private static String abbreviate(Row row) {
        String s = row.toString();
        return s.length() > 120 ? s.substring(0, 120) + "..." : s;
    }
}
