package org.sparkmec.engine.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads Fashion-MNIST (Xiao, Rasul &amp; Vollgraf, 2017, arXiv:1708.07747): 60,000 training and 10,000
 * test grayscale images of 28 x 28 pixels in {@value #NUM_CLASSES} classes ({@link #CLASS_NAMES}).
 *
 * <p>A data folder holds the four IDX files of the MNIST distribution format, gzip-compressed
 * ({@code train-images-idx3-ubyte.gz}, {@code train-labels-idx1-ubyte.gz},
 * {@code t10k-images-idx3-ubyte.gz}, {@code t10k-labels-idx1-ubyte.gz}) or plain (the same names
 * without {@code .gz}); where both exist the {@code .gz} file is read. The original MNIST digits use the
 * same names and format, so a folder of them loads too. Debian's package {@code dataset-fashion-mnist}
 * installs the compressed files in {@link #DEFAULT_DIR}.
 *
 * <p>The result holds pixels scaled to [0, 1] ({@link LabeledImages#fromIdx}), one channel (NHWC
 * {@code n x 28 x 28 x 1}), not yet standardized: see {@link Normalization}.
 */
public final class FashionMnist {
    private static final Logger LOG = LoggerFactory.getLogger(FashionMnist.class);

    /** Where Debian's {@code dataset-fashion-mnist} package installs the files. */
    public static final Path DEFAULT_DIR = Path.of("/usr/share/datasets/fashion-mnist");
    public static final int NUM_CLASSES = 10;
    /** Class names by label index. */
    public static final List<String> CLASS_NAMES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
            "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

    public static final String TRAIN_IMAGES = "train-images-idx3-ubyte";
    public static final String TRAIN_LABELS = "train-labels-idx1-ubyte";
    public static final String TEST_IMAGES = "t10k-images-idx3-ubyte";
    public static final String TEST_LABELS = "t10k-labels-idx1-ubyte";

    private static final String GZIP_SUFFIX = ".gz";
    private static final String HOW_TO_GET = "install Debian's package with `apt-get install dataset-fashion-mnist` "
            + "(it puts the files in " + DEFAULT_DIR + ") or pass --data DIR naming a folder that holds "
            + TRAIN_IMAGES + GZIP_SUFFIX + ", " + TRAIN_LABELS + GZIP_SUFFIX + ", " + TEST_IMAGES + GZIP_SUFFIX
            + " and " + TEST_LABELS + GZIP_SUFFIX + " (or the same names without " + GZIP_SUFFIX + ")";

    private FashionMnist() {
    }

    /**
     * Reads the training and test sets from {@code dir}.
     *
     * @throws NoSuchFileException if the folder or one of the four files is missing; the message names
     *                             the path and how to get the data
     * @throws IOException         if a file is malformed ({@link IdxReader})
     * @throws IllegalArgumentException if image and label counts differ or a label is outside [0, 10)
     */
    public static TrainTestSplit load(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new NoSuchFileException(dir.toString(), null, (Files.exists(dir) ? "not a directory" : "no such directory")
                    + "; the Fashion-MNIST data is missing: " + HOW_TO_GET);
        }
        long start = System.nanoTime();
        LabeledImages train = LabeledImages.fromIdx("fashion-mnist train", IdxReader.read(locate(dir, TRAIN_IMAGES), 3),
                IdxReader.read(locate(dir, TRAIN_LABELS), 1), NUM_CLASSES);
        LabeledImages test = LabeledImages.fromIdx("fashion-mnist test", IdxReader.read(locate(dir, TEST_IMAGES), 3),
                IdxReader.read(locate(dir, TEST_LABELS), 1), NUM_CLASSES);
        TrainTestSplit split = new TrainTestSplit(train, test);
        LOG.info(String.format(Locale.ROOT, "Loaded Fashion-MNIST from %s: %d training and %d test images of %d x %d in %.2f s",
                dir, train.size(), test.size(), train.height(), train.width(), (System.nanoTime() - start) / 1e9));
        return split;
    }

    /** {@code dir/baseName.gz} if it exists, else {@code dir/baseName}. */
    static Path locate(Path dir, String baseName) throws NoSuchFileException {
        Path gz = dir.resolve(baseName + GZIP_SUFFIX);
        if (Files.isRegularFile(gz)) {
            return gz;
        }
        Path plain = dir.resolve(baseName);
        if (Files.isRegularFile(plain)) {
            return plain;
        }
        throw new NoSuchFileException(gz.toString(), null, "neither " + baseName + GZIP_SUFFIX + " nor " + baseName
                + " is in " + dir + "; " + HOW_TO_GET);
    }
}
