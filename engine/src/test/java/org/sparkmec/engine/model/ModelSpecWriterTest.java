package org.sparkmec.engine.model;

import org.sparkmec.engine.nn.ConvAlgorithmChoice;
import org.sparkmec.engine.nn.WeightInit;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Writing specs back as model files: what is read back equals what was written. */
class ModelSpecWriterTest {
    @TempDir
    Path dir;

    /** Every field away from its default, rectangular windows, a rate that is not a short binary fraction. */
    private static ModelSpec unusual() {
        return ModelSpec.builder("odd_model-2").input(13, 10, 3)
                .conv2d("stem", 7, 3, c -> c.kernel(3, 2).stride(2, 1).padding(1, 0)
                        .algorithm(ConvAlgorithmChoice.IM2COL).bias(false).init(WeightInit.XAVIER))
                .relu()
                .conv2d(5, 1, c -> c.algorithm(ConvAlgorithmChoice.MEC))
                .avgPool2d(3, p -> p.kernel(3, 2).stride(1, 2).padding(1, 1))
                .maxPool2d(2, p -> p.stride(1))
                .dropout(0.1)
                .flatten()
                .dense("hidden", 17, d -> d.bias(false).init(WeightInit.XAVIER))
                .dropout("drop", 0.0)
                .dense("logits", 3)
                .build();
    }

    @Test
    void roundTripsTheShippedModelsAndAnUnusualOne() {
        for (ModelSpec spec : new ModelSpec[] {ModelFile.read(ModelFileTest.LENET),
                ModelFile.read(ModelFileTest.VGG_SMALL), unusual()}) {
            String text = spec.toHocon();
            assertEquals(spec, ModelFile.parse(text, spec.name() + ".conf"), text);
            assertEquals(text, ModelFile.parse(text, "again.conf").toHocon(), "writing is deterministic");
        }
    }

    @Test
    void writesEveryFieldAndTheShapes() {
        String text = ModelSpecBuilderTest.lenet().toHocon();
        assertTrue(text.contains("{ type = conv2d, name = \"conv1\", filters = 6, kernel = 5, stride = 1, padding = 2,"
                + " algorithm = auto, bias = true, init = he }  # 28x28x6\n"), text);
        assertTrue(text.contains("{ type = maxpool2d, name = \"maxpool3\", kernel = 2, stride = 2, padding = 0 }  #"
                + " 14x14x6\n"), text);
        assertTrue(text.contains("{ type = flatten, name = \"flatten7\" }  # 400\n"), text);
        assertTrue(text.contains("loss = softmax-cross-entropy\n"), text);
        assertTrue(text.contains("# classes: 10\n"), text);
        String odd = unusual().toHocon();
        assertTrue(odd.contains("kernel = [3, 2], stride = [2, 1], padding = [1, 0], algorithm = im2col, bias = false,"
                + " init = xavier"), odd);
        assertTrue(odd.contains("rate = 0.1 }"), odd);
    }

    @Test
    void writesAFileThatReadsBackEqual() throws IOException {
        Path file = dir.resolve("out").resolve("model.conf");
        ModelSpec spec = unusual();
        ModelSpecWriter.write(spec, file);
        assertEquals(spec, ModelFile.read(file));
        ModelSpecWriter.write(ModelSpecBuilderTest.lenet(), file);
        assertEquals(ModelSpecBuilderTest.lenet(), ModelFile.read(file), "replaces the earlier file");
        try (var files = Files.list(file.getParent())) {
            assertEquals(1, files.count(), "no temporary file left behind");
        }
    }
}
