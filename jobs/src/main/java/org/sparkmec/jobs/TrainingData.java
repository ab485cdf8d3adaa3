package org.sparkmec.jobs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.sparkmec.engine.data.ClassFolders;
import org.sparkmec.engine.data.FashionMnist;
import org.sparkmec.engine.data.ImageFolder;
import org.sparkmec.engine.data.LabeledImages;
import org.sparkmec.engine.data.TrainTestSplit;
import org.sparkmec.engine.model.ModelSpec;
import org.sparkmec.spark.data.ImageColumns;
import org.sparkmec.spark.data.ImageFolderFrames;
import org.sparkmec.spark.data.ImageFrames;

/**
 * What {@code ./mec train --data PATH} names, and how each trainer reads it.
 *
 * <p>Kinds ({@code --data-format auto} tells them apart in this order):
 * <ul>
 *   <li>{@link Kind#IMAGES}: an image folder ({@link ImageFolder}'s layout), read in process with
 *       {@link ImageFolder} and on Spark with Spark's image data source ({@link ImageFolderFrames});</li>
 *   <li>{@link Kind#TABLE}: a Parquet file or folder ({@code *.parquet}), or with {@code --data-format FORMAT} any
 *       source Spark reads ({@code orc}, {@code json}, ...): a label column and an image column
 *       ({@link ImageColumns}); {@code PATH/train} and {@code PATH/test} (each with or without {@code .parquet})
 *       when {@code PATH/train} exists, else {@code PATH} is one set. Spark only;</li>
 *   <li>{@link Kind#IDX}: anything else, the folder of the four Fashion-MNIST (or MNIST) IDX files
 *       ({@link FashionMnist}; its message says how to get them when they are missing).</li>
 * </ul>
 *
 * @param kind   how the data is read
 * @param path   the data's path (the default Fashion-MNIST folder when {@code --data} is not given)
 * @param format the Spark source of a table ({@code parquet} unless {@code --data-format} names another)
 */
record TrainingData(Kind kind, Path path, String format) {

    /** The kinds of data {@code --data} may name. */
    enum Kind { IDX, IMAGES, TABLE }

    /** The value of {@code --data-format} that detects the kind. */
    static final String AUTO = "auto";
    private static final String PARQUET = "parquet";
    /**
     * The most image bytes per DataFrame partition of IDX rows: parallelize ships a partition's rows inside its
     * task, and Spark warns about tasks over 1 MiB.
     */
    private static final long PARTITION_IMAGE_BYTES = 768 * 1024;

    /**
     * Resolves {@code --data} and {@code --data-format}.
     *
     * @param data   the path, or null for the default Fashion-MNIST folder
     * @param format {@code auto}, {@code idx}, {@code images}, or a Spark source name ({@code parquet}, ...)
     * @throws IOException if the path cannot be listed
     */
    static TrainingData resolve(Path data, String format) throws IOException {
        Path path = data == null ? FashionMnist.DEFAULT_DIR : data;
        String f = format.trim().toLowerCase(Locale.ROOT);
        return switch (f) {
            case AUTO -> new TrainingData(detect(path), path, PARQUET);
            case "idx" -> new TrainingData(Kind.IDX, path, PARQUET);
            case "images" -> new TrainingData(Kind.IMAGES, path, PARQUET);
            default -> new TrainingData(Kind.TABLE, path, f);
        };
    }

    private static Kind detect(Path path) throws IOException {
        if (isTable(path)) {
            return Kind.TABLE;
        }
        if (Files.isDirectory(path) && ImageFolder.isImageFolder(path)) {
            return Kind.IMAGES;
        }
        return Kind.IDX;
    }

    /** A {@code *.parquet} file, or a folder holding one directly or in {@code train}/{@code train.parquet}. */
    private static boolean isTable(Path path) throws IOException {
        if (isParquetName(path)) {
            return true;
        }
        if (!Files.isDirectory(path)) {
            return false;
        }
        Path train = trainPath(path);
        Path folder = train != null ? train : path;
        if (isParquetName(folder)) {
            return true;
        }
        if (!Files.isDirectory(folder)) {
            return false;
        }
        try (Stream<Path> s = Files.list(folder)) {
            return s.anyMatch(TrainingData::isParquetName);
        } catch (IOException e) {
            throw new IOException(folder + ": cannot list the folder: " + e.getMessage(), e);
        }
    }

    private static boolean isParquetName(Path p) {
        return p.getFileName() != null && p.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".parquet");
    }

    /** {@code dir/train} or {@code dir/train.parquet}, whichever exists, else null. */
    private static Path trainPath(Path dir) {
        return setPath(dir, ImageFolder.TRAIN);
    }

    private static Path setPath(Path dir, String set) {
        for (Path p : new Path[] {dir.resolve(set), dir.resolve(set + ".parquet")}) {
            if (Files.exists(p)) {
                return p;
            }
        }
        return null;
    }

    /**
     * The training and test sets of a run in this process, and the name of every class index (an image folder's
     * {@link ClassFolders#names()}; empty when the data names no classes).
     */
    record InProcess(TrainTestSplit split, List<String> classNames) {
    }

    /**
     * Reads the data for the in-process trainer.
     *
     * @throws IllegalArgumentException for a table (it needs Spark), or data that does not fit {@code spec}
     *                                  (the first image of another size, named)
     * @throws IOException              naming the file that cannot be read
     */
    InProcess readInProcess(ModelSpec spec) throws IOException {
        return switch (kind) {
            case IDX -> new InProcess(FashionMnist.load(path), List.of());
            case IMAGES -> {
                ImageFolder.Contents c = ImageFolder.read(path, inputShape(spec), spec.classes(),
                        "model " + spec.name());
                yield new InProcess(c.split(), c.classes().names());
            }
            case TABLE -> throw new IllegalArgumentException("--data " + path + " is a " + format + " table: reading it "
                    + "needs Spark; train with a Spark master (e.g. --master local[*]) instead of --master none");
        };
    }

    /**
     * The training and test frames of a run on Spark, their columns, and the name of every class index (empty when
     * the data names no classes).
     */
    record OnSpark(Dataset<Row> train, Dataset<Row> test, ImageColumns columns, List<String> classNames) {
    }

    /**
     * Reads the data for the Spark trainer.
     *
     * @param limit   the training images used (0: all); IDX rows beyond it are not shipped
     * @param columns the label and image columns of a table (other kinds have {@code label} and {@code image})
     * @param idx     the IDX data when already read (to check it before the session started), else null
     * @throws IllegalArgumentException for data that does not fit {@code spec} (an image folder's first image of
     *                                  another size, named; a table's missing or mistyped column)
     */
    OnSpark readOnSpark(SparkSession spark, ModelSpec spec, int limit, ImageColumns columns, TrainTestSplit idx)
            throws IOException {
        return switch (kind) {
            case IDX -> {
                TrainTestSplit split = idx != null ? idx : FashionMnist.load(path);
                LabeledImages train = limit > 0 ? split.train().subset(limit) : split.train();
                yield new OnSpark(ImageFrames.of(spark, train, partitions(spark, train)),
                        ImageFrames.of(spark, split.test(), partitions(spark, split.test())),
                        ImageColumns.defaults(), List.of());
            }
            case IMAGES -> {
                ImageFolderFrames.Frames f = ImageFolderFrames.read(spark, path.toUri().toString(), inputShape(spec),
                        "model " + spec.name());
                yield new OnSpark(f.train(), f.test(), ImageColumns.defaults(), f.classes().names());
            }
            case TABLE -> {
                Path train = Files.isDirectory(path) ? trainPath(path) : null;
                Path test = train == null ? null : setPath(path, ImageFolder.TEST);
                Dataset<Row> trainRows = readTable(spark, train == null ? path : train, columns);
                yield new OnSpark(trainRows, test == null ? null : readTable(spark, test, columns), columns, List.of());
            }
        };
    }

    private Dataset<Row> readTable(SparkSession spark, Path table, ImageColumns columns) {
        Dataset<Row> rows = spark.read().format(format).load(table.toUri().toString());
        try {
            columns.validate(rows.schema(), true);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--data " + table + ": " + e.getMessage() + " (name the columns with "
                    + "--label-col and --image-col)", e);
        }
        return rows;
    }

    /**
     * At least 2 and the default parallelism, and enough partitions to keep each under
     * {@link #PARTITION_IMAGE_BYTES} at one byte per pixel (IDX images become 8-bit rows, {@link ImageFrames}).
     */
    private static int partitions(SparkSession spark, LabeledImages images) {
        long bytes = (long) images.size() * images.imageSize();
        int bySize = Math.toIntExact((bytes + PARTITION_IMAGE_BYTES - 1) / PARTITION_IMAGE_BYTES);
        return Math.max(Math.max(2, spark.sparkContext().defaultParallelism()), bySize);
    }

    private static int[] inputShape(ModelSpec spec) {
        return new int[] {spec.input().height(), spec.input().width(), spec.input().channels()};
    }
}
