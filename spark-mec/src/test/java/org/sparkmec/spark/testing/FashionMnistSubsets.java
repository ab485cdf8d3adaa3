package org.sparkmec.spark.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.sparkmec.engine.data.FashionMnist;
import org.sparkmec.engine.data.TrainTestSplit;
import org.sparkmec.engine.model.ModelFile;
import org.sparkmec.engine.model.ModelSpec;

/** The small Fashion-MNIST sets and the LeNet model the Spark training tests train. */
public final class FashionMnistSubsets {
    private FashionMnistSubsets() {
    }

    /**
     * The first {@code train} training and {@code test} test images; skips the calling test (a JUnit assumption)
     * when Debian's {@code dataset-fashion-mnist} is not installed.
     */
    public static TrainTestSplit first(int train, int test) throws IOException {
        Assumptions.assumeTrue(Files.isDirectory(FashionMnist.DEFAULT_DIR), "Fashion-MNIST is not installed in "
                + FashionMnist.DEFAULT_DIR + " (apt-get install dataset-fashion-mnist)");
        TrainTestSplit all = FashionMnist.load(FashionMnist.DEFAULT_DIR);
        return new TrainTestSplit(all.train().subset(train), all.test().subset(test));
    }

    /** {@code conf/models/lenet.conf}, from a module folder. */
    public static ModelSpec lenet() {
        return ModelFile.read(Path.of("../conf/models/lenet.conf"));
    }
}
