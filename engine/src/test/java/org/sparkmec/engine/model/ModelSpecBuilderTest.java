package org.sparkmec.engine.model;

import org.sparkmec.engine.nn.ConvAlgorithmChoice;
import org.sparkmec.engine.nn.WeightInit;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.sparkmec.engine.model.ModelFileTest.assertMessage;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The fluent builder: same model as the shipped files, generated names, options, and the same validation. */
class ModelSpecBuilderTest {

    static ModelSpec lenet() {
        return ModelSpec.builder("lenet").input(28, 28, 1)
                .conv2d("conv1", 6, 5, c -> c.padding(2)).relu().maxPool2d(2)
                .conv2d("conv2", 16, 5).relu().maxPool2d(2)
                .flatten().dense("fc1", 120).relu().dense("fc2", 84).relu().dense("fc3", 10)
                .build();
    }

    @Test
    void builderEqualsTheLeNetFile() {
        assertEquals(ModelFile.read(ModelFileTest.LENET), lenet());
    }

    @Test
    void builderEqualsTheSmallVggFile() {
        ModelSpecBuilder b = ModelSpec.builder("vgg-small").input(32, 32, 3);
        int block = 1;
        for (int filters : new int[] {32, 64, 128}) {
            for (int i = 1; i <= 2; i++) {
                b.conv2d("conv" + block + "_" + i, filters, 3, c -> c.padding(1)).relu("relu" + block + "_" + i);
            }
            b.maxPool2d("pool" + block, 2);
            block++;
        }
        ModelSpec vgg = b.flatten().dense("fc1", 256).relu("relu_fc1").dropout("drop_fc1", 0.5).dense("fc2", 10)
                .build();
        assertEquals(ModelFile.read(ModelFileTest.VGG_SMALL), vgg);
    }

    @Test
    void unnamedLayersAreNamedByTypeAndPosition() {
        ModelSpec spec = ModelSpec.builder("m").input(9, 9, 2).conv2d(4, 3).relu().maxPool2d(2).avgPool2d(1)
                .dropout(0.25).flatten().dense(5).build();
        assertEquals(List.of("conv1", "relu2", "maxpool3", "avgpool4", "dropout5", "flatten6", "dense7"),
                spec.layers().stream().map(LayerSpec::name).toList());
    }

    @Test
    void optionsSetEveryField() {
        ModelSpec spec = ModelSpec.builder("m").input(11, 7, 3)
                .conv2d(null, 8, 3, c -> c.kernel(3, 2).stride(2, 1).padding(1, 0).algorithm(ConvAlgorithmChoice.IM2COL)
                        .bias(false).init(WeightInit.XAVIER))
                .maxPool2d(3, p -> p.kernel(3, 2).stride(1).padding(1, 0))
                .avgPool2d("avg", 2, p -> p.stride(1, 2))
                .flatten()
                .dense(4, d -> d.bias(false).init(WeightInit.XAVIER))
                .loss(Loss.SOFTMAX_CROSS_ENTROPY)
                .build();
        assertEquals(new Conv2dSpec("conv1", 8, 3, 2, 2, 1, 1, 0, ConvAlgorithmChoice.IM2COL, false,
                WeightInit.XAVIER), spec.layers().get(0));
        assertEquals(new MaxPool2dSpec("maxpool2", 3, 2, 1, 1, 1, 0), spec.layers().get(1));
        assertEquals(new AvgPool2dSpec("avg", 2, 2, 1, 2, 0, 0), spec.layers().get(2));
        assertEquals(new DenseSpec("dense5", 4, false, WeightInit.XAVIER), spec.layers().get(4));
        // conv: (11 + 2 - 3) / 2 + 1 = 6, (7 - 2) / 1 + 1 = 6; maxpool: (6 + 2 - 3) / 1 + 1 = 6, (6 - 2) + 1 = 5;
        // avgpool 2 stride (1, 2): 5, (5 - 2) / 2 + 1 = 2
        assertEquals(List.of("6x6x8", "6x5x8", "5x2x8", "80", "4"),
                spec.shapes().stream().map(ActivationShape::toString).toList());
    }

    @Test
    void fieldErrorsNameTheLayerWhenItIsAdded() {
        ModelSpecBuilder b = ModelSpec.builder("m").input(8, 8, 1).relu();
        assertMessage(assertThrows(IllegalArgumentException.class, () -> b.conv2d(0, 3)),
                "layer conv2: filters must be at least 1, got 0");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> b.conv2d("c", 2, 3, c -> c.stride(1, 0))),
                "layer c: stride must be at least 1 in each direction, got 1x0");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> b.conv2d(2, 3, c -> c.init(null))),
                "layer conv2: init is missing");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> b.maxPool2d(2, p -> p.padding(2))),
                "layer maxpool2: padding 2 is more than half the kernel 2x2");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> b.dropout(1.0)),
                "layer dropout2: rate must be in [0, 1)");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> b.dropout(Double.NaN)),
                "layer dropout2: rate must be in [0, 1)");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> b.dense("fc 1", 3)),
                "layer name 'fc 1' is not valid");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> ModelSpec.builder("m").input(0, 8, 1)),
                "input: height must be at least 1, got 0");
        // failed calls added nothing: the next layer is still at position 2
        assertEquals("relu2", b.relu().flatten().dense(2).build().layers().get(1).name());
    }

    @Test
    void buildErrorsNameTheLayerAndTheArithmetic() {
        assertMessage(assertThrows(IllegalArgumentException.class, () -> ModelSpec.builder("m").input(8, 8, 1)
                        .conv2d("conv1", 3, 5).conv2d("conv2", 4, 5).flatten().dense(10).build()),
                "layer conv2: kernel 5x5 larger than input 4x4 (padding 0)");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> ModelSpec.builder("m").input(8, 8, 1)
                        .conv2d(3, 3).dense("fc1", 10).build()),
                "layer fc1: dense needs a flat input, got 6x6x3; add a flatten layer");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> ModelSpec.builder("m").input(8, 8, 1)
                        .flatten().flatten().dense(10).build()),
                "layer flatten2: input is already flat (64 features)");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> ModelSpec.builder("m").input(8, 8, 1)
                        .flatten().dense(10).relu().build()),
                "layer relu3: the last layer must be dense");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> ModelSpec.builder("m").input(8, 8, 1)
                        .relu("a").flatten("a").dense(10).build()),
                "layer a: duplicate layer name: layers #1 and #2 are both named a");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> ModelSpec.builder("m").build()),
                "model m: input shape not set");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> ModelSpec.builder("m").input(8, 8, 1)
                        .build()), "model m has no layers");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> ModelSpec.builder("2fast").input(8, 8, 1)
                        .flatten().dense(10).build()), "model name '2fast' is not valid");
    }

    @Test
    void builderCanBeReusedAfterBuildWithoutChangingTheBuiltSpec() {
        ModelSpecBuilder b = ModelSpec.builder("m").input(4, 4, 1).flatten().dense(3);
        ModelSpec first = b.build();
        b.relu();
        assertEquals(2, first.layers().size(), "the spec holds a copy of the layer list");
        assertFalse(first.layers().contains(new ReluSpec("relu3")));
    }
}
