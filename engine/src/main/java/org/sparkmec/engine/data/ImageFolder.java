package org.sparkmec.engine.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A folder of labelled image files, read in this process (the Spark side reads the same layout with Spark's image
 * data source, {@code ImageFolderFrames}).
 *
 * <p>Layout: {@code DIR/train/<label>/*.png} and optionally {@code DIR/test/<label>/*.png}; a folder without
 * {@code train/} is one labelled set, {@code DIR/<label>/*.png}, with no test set. {@code <label>} is a class
 * index or a class name ({@link ClassFolders}; the training folders decide, the test folders must use the same
 * labels). Image files are those whose name ends in {@code .png}, {@code .jpg} or {@code .jpeg} in any case;
 * anything else in the class folders is ignored. Decoding: {@link ImageDecoding} (Spark's rules; RGB(A) or grey),
 * then {@code b / 255}.
 *
 * <p>Order: by class index, then by file name ({@link String#compareTo}); the Spark reader uses the same order.
 * Every image must have the shape the model takes; the first that does not is named with its size.
 */
public final class ImageFolder {
    private static final Logger LOG = LoggerFactory.getLogger(ImageFolder.class);
    /** The training set's folder inside an image folder. */
    public static final String TRAIN = "train";
    /** The (optional) test set's folder inside an image folder. */
    public static final String TEST = "test";
    /** The file names read as images (case-insensitive). */
    public static final Pattern IMAGE_FILE = Pattern.compile("(?i).+\\.(png|jpe?g)");
    /** The same set of names as a Hadoop glob, for Spark's {@code pathGlobFilter}. */
    public static final String IMAGE_FILE_GLOB = "*.{[pP][nN][gG],[jJ][pP][gG],[jJ][pP][eE][gG]}";

    private ImageFolder() {
    }

    /** What an image folder holds: the training and (maybe) test sets and the class labels. */
    public record Contents(LabeledImages train, LabeledImages test, ClassFolders classes) {
        /** The sets as a {@link TrainTestSplit} (its test set null when the folder has none). */
        public TrainTestSplit split() {
            return test == null ? TrainTestSplit.trainOnly(train) : new TrainTestSplit(train, test);
        }
    }

    /** Whether {@code dir} is laid out as an image folder: it has {@code train/}, or a subfolder holding an image file. */
    public static boolean isImageFolder(Path dir) throws IOException {
        if (Files.isDirectory(dir.resolve(TRAIN))) {
            return true;
        }
        for (Path sub : subfolders(dir)) {
            if (!imageFiles(sub).isEmpty()) {
                return true;
            }
        }
        return false;
    }

    /** The folder holding the training class folders: {@code dir/train}, or {@code dir} itself. */
    public static Path trainDir(Path dir) {
        return Files.isDirectory(dir.resolve(TRAIN)) ? dir.resolve(TRAIN) : dir;
    }

    /** The folder holding the test class folders, or null: only {@code dir/train}'s sibling {@code dir/test}. */
    public static Path testDir(Path dir) {
        return Files.isDirectory(dir.resolve(TRAIN)) && Files.isDirectory(dir.resolve(TEST)) ? dir.resolve(TEST) : null;
    }

    /**
     * Reads the folder, checking every image against the model's input.
     *
     * @param shape    {@code {height, width, channels}} every image must have
     * @param classes  the classes the model tells apart: the sets get this many, and a folder with more class
     *                 labels is refused
     * @param consumer what takes the images, for the message (e.g. {@code "model lenet"})
     * @throws NoSuchFileException      if {@code dir} is not a folder
     * @throws IOException              naming the file that cannot be read or decoded
     * @throws IllegalArgumentException naming the first image of another shape, its shape and the expected one,
     *                                  or a layout problem (no class folder, a test class the training set lacks)
     */
    public static Contents read(Path dir, int[] shape, int classes, String consumer) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new NoSuchFileException(dir.toString(), null, "not a folder of images");
        }
        long start = System.nanoTime();
        Path trainDir = trainDir(dir);
        ClassFolders labels = ClassFolders.of(subfolders(trainDir).stream().map(p -> p.getFileName().toString()).toList(),
                trainDir.toString());
        if (labels.classCount() > classes) {
            throw new IllegalArgumentException(trainDir + ": its class folders " + labels.indexByName().keySet()
                    + " need " + labels.classCount() + " classes; " + consumer + " has " + classes);
        }
        LabeledImages train = readSet(trainDir, labels, classes, shape, consumer, dir.getFileName() + " train");
        Path testDir = testDir(dir);
        LabeledImages test = testDir == null ? null
                : readSet(testDir, labels, classes, shape, consumer, dir.getFileName() + " test");
        LOG.info(String.format(Locale.ROOT, "Read %d training and %d test images of %dx%dx%d in %d classes from %s in %.2f s",
                train.size(), test == null ? 0 : test.size(), shape[0], shape[1], shape[2], labels.classCount(), dir,
                (System.nanoTime() - start) / 1e9));
        return new Contents(train, test, labels);
    }

    private static LabeledImages readSet(Path setDir, ClassFolders classes, int numClasses, int[] shape, String consumer,
                                         String name) throws IOException {
        List<Path> files = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        List<Path> classDirs = new ArrayList<>(subfolders(setDir));
        classDirs.sort(Comparator.comparingInt((Path p) -> classes.index(p.getFileName().toString(), p.toString()))
                .thenComparing(p -> p.getFileName().toString()));
        for (Path classDir : classDirs) {
            int label = classes.index(classDir.getFileName().toString(), classDir.toString());
            for (Path f : imageFiles(classDir)) {
                files.add(f);
                labels.add(label);
            }
        }
        if (files.isEmpty()) {
            throw new IllegalArgumentException(setDir + " holds no image files (*.png, *.jpg, *.jpeg) in its class folders");
        }
        int size = shape[0] * shape[1] * shape[2];
        byte[] pixels = new byte[Math.multiplyExact(files.size(), size)];
        for (int i = 0; i < files.size(); i++) {
            Path f = files.get(i);
            byte[] bytes;
            try {
                bytes = Files.readAllBytes(f);
            } catch (IOException e) {
                throw new IOException(f + ": cannot read the image file: " + e.getMessage(), e);
            }
            ImageDecoding.Decoded d = ImageDecoding.decode(f.toString(), bytes);
            if (d.height() != shape[0] || d.width() != shape[1] || d.channels() != shape[2]) {
                throw new IllegalArgumentException(mismatch(f.toString(), d.shapeText(), shape, consumer));
            }
            System.arraycopy(d.pixels(), 0, pixels, i * size, size);
        }
        return new LabeledImages(name, shape[0], shape[1], shape[2], Normalization.toUnitRange(pixels),
                labels.stream().mapToInt(Integer::intValue).toArray(), numClasses);
    }

    /**
     * The one line that refuses an image of another shape than the model's:
     * {@code FILE: image of HxWxC; CONSUMER takes HxWxC images (resize the images or change the model's input)}.
     */
    public static String mismatch(String file, String imageShape, int[] shape, String consumer) {
        return file + ": image of " + imageShape + " (height x width x channels); " + consumer + " takes " + shape[0]
                + "x" + shape[1] + "x" + shape[2] + " images (resize the images or change the model's input)";
    }

    /** The subfolders of {@code dir}, sorted by name. */
    private static List<Path> subfolders(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isDirectory).sorted(Comparator.comparing(p -> p.getFileName().toString())).toList();
        } catch (IOException e) {
            throw new IOException(dir + ": cannot list the folder: " + e.getMessage(), e);
        }
    }

    /** The image files directly in {@code dir}, sorted by name. */
    private static List<Path> imageFiles(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> IMAGE_FILE.matcher(p.getFileName().toString()).matches() && Files.isRegularFile(p))
                    .sorted(Comparator.comparing(p -> p.getFileName().toString())).toList();
        } catch (IOException e) {
            throw new IOException(dir + ": cannot list the folder: " + e.getMessage(), e);
        }
    }
}
