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
 * {@code array<float>}, {@code array<double>} or an ML {@code Vector} (values used as given), or the struct
 * of Spark's image data source ({@code spark.read.format("image")}: {@code height}, {@code width},
 * {@code nChannels} and {@code data}, 8-bit pixels row by row in OpenCV's BGR or BGRA order; the channels are
 * reordered to RGB or RGBA and scaled to {@code b / 255}). Pixels are NHWC: height x width x channels values
 * per row. Nulls are rejected with the row's position.
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
        boolean ok = t.equals(DataTypes.BinaryType) || t instanceof VectorUDT || isImageStruct(t)
                || (t instanceof ArrayType a && (a.elementType().equals(DataTypes.FloatType)
                || a.elementType().equals(DataTypes.DoubleType)));
        if (!ok) {
            throw new IllegalArgumentException("image column '" + imageColumn + "' has type " + t.simpleString()
                    + "; expected binary (8-bit pixels), array<float>, array<double> or vector, NHWC values per row, "
                    + "or the struct of Spark's image data source");
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
        if (image instanceof Row struct) {
            return ImageRecord.ofBytes(classIndex, imageSourcePixels(struct));
        }
        return ImageRecord.ofFloats(classIndex, floats(image));
    }

    /** Whether {@code t} is the struct of Spark's image data source (its pixel and size fields). */
    static boolean isImageStruct(DataType t) {
        if (!(t instanceof StructType s)) {
            return false;
        }
        List<String> names = Arrays.asList(s.fieldNames());
        return names.containsAll(List.of("height", "width", "nChannels", "data"))
                && s.apply("data").dataType().equals(DataTypes.BinaryType)
                && s.apply("height").dataType().equals(DataTypes.IntegerType)
                && s.apply("width").dataType().equals(DataTypes.IntegerType)
                && s.apply("nChannels").dataType().equals(DataTypes.IntegerType);
    }

    /**
     * The 8-bit pixels of an image-source struct, NHWC with the channels in RGB(A) order: OpenCV's BGR(A)
     * bytes with the first and third channel of every pixel swapped; one channel is taken as it is.
     *
     * @throws IllegalArgumentException if the data does not hold {@code height x width x nChannels} bytes or
     *                                  the channel count is not 1, 3 or 4 (naming the image's origin)
     */
    public static byte[] imageSourcePixels(Row image) {
        int height = image.<Integer>getAs("height");
        int width = image.<Integer>getAs("width");
        int channels = image.<Integer>getAs("nChannels");
        byte[] data = image.getAs("data");
        String origin = Arrays.asList(image.schema().fieldNames()).contains("origin") ? image.getAs("origin") : "?";
        if (channels != 1 && channels != 3 && channels != 4) {
            throw new IllegalArgumentException("image " + origin + " has " + channels + " channels; expected 1 (grey), "
                    + "3 (BGR) or 4 (BGRA)");
        }
        if (data == null || (long) data.length != (long) height * width * channels) {
            throw new IllegalArgumentException("image " + origin + " holds " + (data == null ? 0 : data.length)
                    + " bytes; " + height + "x" + width + "x" + channels + " needs " + (long) height * width * channels);
        }
        if (channels == 1) {
            return data;
        }
        byte[] rgb = data.clone();
        for (int i = 0; i < rgb.length; i += channels) {
            rgb[i] = data[i + 2];
            rgb[i + 2] = data[i];
        }
        return rgb;
    }

    /** The pixels of an image value of an accepted type, as floats ({@code b / 255} for bytes). */
    public static float[] floats(Object image) {
        if (image instanceof byte[] b) {
            return ImageRecord.ofBytes(0, b).toFloats();
        }
        if (image instanceof Row struct) {
            return ImageRecord.ofBytes(0, imageSourcePixels(struct)).toFloats();
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
