package org.sparkmec.benchmarks;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;
import org.sparkmec.engine.data.FashionMnist;
import org.sparkmec.engine.data.ImageFolder;
import org.sparkmec.engine.data.ImageFolderWriter;
import org.sparkmec.engine.data.TrainTestSplit;
import org.sparkmec.engine.io.StagedDirectory;

/**
 * Writes the four IDX files of Fashion-MNIST (or MNIST) as an image folder, so that the same images can be trained
 * from IDX and from PNG files ({@code ./mec train --data OUT_DIR}) and the two compared.
 *
 * <p>Usage: {@code ImageFolderExport IDX_DIR OUT_DIR}, e.g.
 * {@code java -cp "benchmarks/target/mec-benchmarks-0.1.0-SNAPSHOT.jar:$(cat benchmarks/target/runtime-classpath.txt)"
 * org.sparkmec.benchmarks.ImageFolderExport /usr/share/datasets/fashion-mnist /tmp/fmnist-png}.
 * IDX_DIR is read by {@link FashionMnist#load} (pixels {@code b / 255}); OUT_DIR gets
 * {@code train/<label>/<i>.png} and {@code test/<label>/<i>.png} ({@link ImageFolderWriter}: 8-bit grey, lossless),
 * where {@code <i>} is the image's position in its IDX file, six digits, so the files of a class folder are in IDX
 * order.
 *
 * <p>Class folders are named by index ({@code 0} to {@code 9}), not by Fashion-MNIST's class names
 * ({@link FashionMnist#CLASS_NAMES}): index folders keep the IDX labels as they are, whereas names are sorted into
 * indices ({@code "Ankle boot"} would become 0) and one of them, {@code "T-shirt/top"}, cannot be a folder name.
 *
 * <p>The reader visits an image folder by class, then file name, not in IDX order: the sets hold the same images
 * with the same labels, but in another order, so training from them sees other mini-batches than training from IDX
 * with the same seed.
 *
 * <p>Safety ({@link StagedDirectory}): OUT_DIR must not exist or be an empty folder; a file, or a folder holding
 * anything, is refused before any work and left as it is. The images are written into a staging folder beside OUT_DIR
 * ({@code OUT_DIR.tmp-*}) that is renamed to OUT_DIR once every file is written, so OUT_DIR is either complete or
 * absent: a failure deletes the staging folder (a killed process leaves it behind, under its staging name).
 */
public final class ImageFolderExport {
    /** The name of class index {@code c}'s folder: the index itself. */
    static final List<String> CLASS_FOLDERS = IntStream.range(0, FashionMnist.NUM_CLASSES).mapToObj(Integer::toString)
            .toList();

    private ImageFolderExport() {
    }

    public static void main(String[] args) {
        if (args.length != 2) {
            System.err.println("usage: ImageFolderExport IDX_DIR OUT_DIR");
            System.exit(2);
        }
        long start = System.nanoTime();
        Path out = Path.of(args[1]);
        TrainTestSplit split;
        try {
            split = export(Path.of(args[0]), out);
        } catch (IllegalArgumentException | IOException e) {
            System.err.println("ImageFolderExport: " + e.getMessage());
            System.exit(1);
            return;
        }
        System.out.printf(Locale.ROOT, "wrote %d training and %d test images in %d class folders to %s in %.1f s%n",
                split.train().size(), split.test().size(), CLASS_FOLDERS.size(), out, (System.nanoTime() - start) / 1e9);
    }

    /**
     * Reads the IDX files in {@code idxDir} and writes them as the image folder {@code out}.
     *
     * @return the sets as read from IDX (pixels {@code b / 255})
     * @throws IllegalArgumentException if {@code out} is a file or a folder that holds anything (nothing is written),
     *                                  or the IDX files are not a labelled set of 1 to 10 classes
     * @throws IOException              if the IDX files cannot be read ({@link FashionMnist#load}) or a file cannot
     *                                  be written (then nothing is left at {@code out})
     */
    public static TrainTestSplit export(Path idxDir, Path out) throws IOException {
        try (StagedDirectory staged = StagedDirectory.create(out, name -> false)) {
            TrainTestSplit split = FashionMnist.load(idxDir);
            ImageFolderWriter.write(split.train(), staged.path().resolve(ImageFolder.TRAIN), CLASS_FOLDERS);
            ImageFolderWriter.write(split.test(), staged.path().resolve(ImageFolder.TEST), CLASS_FOLDERS);
            staged.commit();
            return split;
        }
    }
}
