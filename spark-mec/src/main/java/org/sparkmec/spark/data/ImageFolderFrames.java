package org.sparkmec.spark.data;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.udf;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.types.DataTypes;
import org.sparkmec.engine.data.ClassFolders;
import org.sparkmec.engine.data.ImageFolder;

/**
 * An image folder ({@link ImageFolder}'s layout: {@code DIR/train/<label>/*.png}, optionally
 * {@code DIR/test/<label>/*.png}, or {@code DIR/<label>/*.png} as one set) read with Spark's image data source
 * ({@code spark.read.format("image")}), on any file system Hadoop reaches ({@code file:}, {@code hdfs:},
 * {@code s3a:}, ...).
 *
 * <p>Each set becomes a DataFrame of {@code label int} and {@code image}, the image source's struct as it is
 * (OpenCV's BGR(A) bytes; {@link ImageColumns} reorders them to RGB(A) and scales to {@code b / 255}), ordered as
 * the in-process reader orders them: by class index, then file name. The class folders are listed on the driver
 * and labelled by {@link ClassFolders}; the image files are those {@link ImageFolder#IMAGE_FILE_GLOB} matches.
 *
 * <p>{@link #read} checks every image against the model's input on the executors before training: the first file
 * of another size or channel count, or one that the image source could not decode, fails the read with one line
 * naming it. The decoded images are persisted ({@code MEMORY_AND_DISK}) by that check, so that the sort and
 * training read them without decoding again: Spark's image source costs about 10 ms per file on the 2-core
 * development machine (against about 0.3 ms for {@code ImageIO} alone), so one decoding pass matters.
 * {@link Frames#unpersist} releases them.
 */
public final class ImageFolderFrames {
    /** The label column of the frames. */
    public static final String LABEL = "label";
    /** The image column of the frames (the image source's struct). */
    public static final String IMAGE = "image";

    private ImageFolderFrames() {
    }

    /**
     * The sets of an image folder.
     *
     * @param test    the test set, or null when the folder has none
     * @param classes the labels of the class folders
     */
    public record Frames(Dataset<Row> train, Dataset<Row> test, ClassFolders classes, List<Dataset<Row>> persisted) {
        /** Releases the decoded images (without waiting); the frames then decode them again if used. */
        public void unpersist() {
            persisted.forEach(d -> d.unpersist(false));
        }
    }

    /**
     * Reads the folder {@code dir} (a path or URI Hadoop understands), checking every image against {@code shape}.
     *
     * @param shape    {@code {height, width, channels}} every image must have
     * @param consumer what takes the images, for the message (e.g. {@code "model lenet"})
     * @throws IllegalArgumentException naming the first image of another shape or that cannot be decoded, or a layout
     *                                  problem (no class folder, no image, a test class the training set lacks)
     * @throws UncheckedIOException     naming the folder that cannot be listed
     */
    public static Frames read(SparkSession spark, String dir, int[] shape, String consumer) {
        Path root = new Path(dir);
        FileSystem fs;
        try {
            fs = root.getFileSystem(spark.sparkContext().hadoopConfiguration());
        } catch (IOException e) {
            throw new UncheckedIOException(dir + ": cannot open its file system: " + e.getMessage(), e);
        }
        Path trainDir = isDirectory(fs, new Path(root, ImageFolder.TRAIN)) ? new Path(root, ImageFolder.TRAIN) : root;
        Path testDir = trainDir != root && isDirectory(fs, new Path(root, ImageFolder.TEST))
                ? new Path(root, ImageFolder.TEST) : null;
        List<Path> trainClasses = classFolders(fs, trainDir);
        ClassFolders classes = ClassFolders.of(trainClasses.stream().map(Path::getName).toList(), trainDir.toString());
        List<Dataset<Row>> persisted = new ArrayList<>();
        try {
            Dataset<Row> train = readSet(spark, trainDir, trainClasses, classes, shape, consumer, persisted);
            Dataset<Row> test = testDir == null ? null
                    : readSet(spark, testDir, classFolders(fs, testDir), classes, shape, consumer, persisted);
            return new Frames(train, test, classes, List.copyOf(persisted));
        } catch (RuntimeException e) {
            persisted.forEach(d -> d.unpersist(false));
            throw e;
        }
    }

    /** One set, labelled, decoded once (persisted into {@code persisted}), checked, and sorted. */
    private static Dataset<Row> readSet(SparkSession spark, Path setDir, List<Path> classDirs, ClassFolders classes,
                                        int[] shape, String consumer, List<Dataset<Row>> persisted) {
        Map<String, Integer> index = new HashMap<>();
        for (Path c : classDirs) {
            index.put(c.getName(), classes.index(c.getName(), c.toString()));
        }
        if (classDirs.isEmpty()) {
            throw new IllegalArgumentException(setDir + " has no class folders: expected " + setDir
                    + "/<label>/<image>.png, where <label> is a class index (0, 1, ...) or a class name");
        }
        String[] paths = classDirs.stream().map(Path::toString).toArray(String[]::new);
        Dataset<Row> images = spark.read().format("image").option("pathGlobFilter", ImageFolder.IMAGE_FILE_GLOB)
                .load(paths);
        UserDefinedFunction label = udf((UDF1<String, Integer>) origin -> index.get(parentName(origin)),
                DataTypes.IntegerType);
        UserDefinedFunction fileName = udf((UDF1<String, String>) ImageFolderFrames::fileName, DataTypes.StringType);
        Column origin = col(IMAGE + ".origin");
        Dataset<Row> decoded = images.withColumn(LABEL, label.apply(origin))
                .persist(org.apache.spark.storage.StorageLevel.MEMORY_AND_DISK());
        persisted.add(decoded);
        check(decoded, shape, consumer);
        return decoded.orderBy(col(LABEL), fileName.apply(origin)).select(col(LABEL), col(IMAGE));
    }

    /**
     * Fails with one line on the first image whose shape differs from {@code shape}, that could not be decoded or
     * whose folder has no label.
     */
    private static void check(Dataset<Row> set, int[] shape, String consumer) {
        Column h = col(IMAGE + ".height");
        Column w = col(IMAGE + ".width");
        Column c = col(IMAGE + ".nChannels");
        List<Row> wrong = set.filter(col(LABEL).isNull().or(h.notEqual(shape[0])).or(w.notEqual(shape[1]))
                        .or(c.notEqual(shape[2])))
                .select(col(IMAGE + ".origin"), h, w, c, col(LABEL)).limit(1).collectAsList();
        if (!wrong.isEmpty()) {
            Row r = wrong.get(0);
            if (r.isNullAt(4)) {
                throw new IllegalArgumentException(r.getString(0) + ": not in one of the class folders listed ("
                        + parentName(r.getString(0)) + " is not among them)");
            }
            if (r.getInt(3) < 0) {
                throw new IllegalArgumentException(r.getString(0) + ": cannot decode the image (Spark's image data "
                        + "source reads PNG, JPEG, GIF and BMP)");
            }
            throw new IllegalArgumentException(ImageFolder.mismatch(r.getString(0), r.getInt(1) + "x" + r.getInt(2) + "x"
                    + r.getInt(3), shape, consumer));
        }
    }

    private static boolean isDirectory(FileSystem fs, Path p) {
        try {
            return fs.getFileStatus(p).isDirectory();
        } catch (java.io.FileNotFoundException e) {
            return false;
        } catch (IOException e) {
            throw new UncheckedIOException(p + ": cannot read its status: " + e.getMessage(), e);
        }
    }

    private static List<Path> classFolders(FileSystem fs, Path dir) {
        List<Path> folders = new ArrayList<>();
        try {
            for (FileStatus s : fs.listStatus(dir)) {
                if (s.isDirectory()) {
                    folders.add(s.getPath());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(dir + ": cannot list the folder: " + e.getMessage(), e);
        }
        return folders;
    }

    /**
     * The name of the folder that holds the file {@code origin}, decoded: the image source gives a URI
     * ({@code file:///data/train/Ankle%20boot/1.png}), the class folders are named as listed ({@code Ankle boot}).
     */
    static String parentName(String origin) {
        String path = decodedPath(origin);
        String parent = path.substring(0, path.lastIndexOf('/'));
        return parent.substring(parent.lastIndexOf('/') + 1);
    }

    /** The file name of {@code origin}, decoded as {@link #parentName}, so that files sort as in process. */
    static String fileName(String origin) {
        String path = decodedPath(origin);
        return path.substring(path.lastIndexOf('/') + 1);
    }

    private static String decodedPath(String origin) {
        return new Path(java.net.URI.create(origin)).toUri().getPath();
    }
}
