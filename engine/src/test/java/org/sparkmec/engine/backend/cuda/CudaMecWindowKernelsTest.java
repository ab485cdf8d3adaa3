package org.sparkmec.engine.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.sparkmec.engine.shape.ConvGeometry;

/**
 * The fused kernels' launch plans (no GPU needed): split counts on the layers they were measured on
 * (an H200's 132 multiprocessors; the FP32 forward tile's kernel holds 3 blocks per multiprocessor there,
 * the wide tile's 4; an H100's 132 hold 2 of the TF32 tensor-core tile's), the forward's tiles, and that every
 * plan's splits cover the reduction exactly once in whole stages.
 */
class CudaMecWindowKernelsTest {
    private static final int H200_SMS = 132;
    /** Blocks of the FP32 forward tile's kernel an H200 holds at once: 132 multiprocessors x 3. */
    private static final long H200_FORWARD_SLOTS = 396;

    private static ConvGeometry layer(int i, int ic, int k, int kc, int s, int p) {
        return new ConvGeometry(32, i, i, ic, k, k, kc, s, s, p, p);
    }

    private static int forwardSplits(ConvGeometry g, CudaMath math, long slots) {
        return CudaMecWindowKernels.forwardPlan(g, CudaMecWindowKernels.forwardTile(g, math), slots).splits();
    }

    @Test
    void forwardSplitsToFillTheLastWave() {
        // cv8: 6,050 tiles of 128 x 64 on 396 slots: 16 waves, splitting cannot even them out
        assertEquals(1, forwardSplits(layer(112, 64, 3, 128, 1, 0), CudaMath.FP32, H200_FORWARD_SLOTS), "cv8");
        // cv4: 2,971 tiles (8 waves, the last 50% full): 2 splits would take 16 waves of half the length plus overhead
        assertEquals(1, forwardSplits(layer(224, 64, 7, 64, 2, 0), CudaMath.FP32, H200_FORWARD_SLOTS), "cv4");
        // cv5: 400 tiles on 396 slots, two waves of 2400 steps; 5 splits: 6 waves of 480 (+ 128 each)
        assertEquals(5, forwardSplits(layer(24, 96, 5, 256, 1, 0), CudaMath.FP32, H200_FORWARD_SLOTS), "cv5");
        // cv11: 144 tiles -> 5 splits, 720 blocks in 2 waves
        assertEquals(5, forwardSplits(layer(14, 256, 3, 256, 1, 0), CudaMath.FP32, H200_FORWARD_SLOTS), "cv11");
        // cv12: 56 tiles -> 7 splits, 392 blocks in one wave
        assertEquals(7, forwardSplits(layer(7, 512, 3, 512, 1, 0), CudaMath.FP32, H200_FORWARD_SLOTS), "cv12");
        // ResNet's 14x14x256 pad 1: 196 tiles -> 2 splits fill one wave
        assertEquals(2, forwardSplits(layer(14, 256, 3, 256, 1, 1), CudaMath.FP32, H200_FORWARD_SLOTS), "r14");
        // cv6: 200 tiles, one wave half full unsplit; 5 splits: 3 waves of 464 (+ 128) steps
        assertEquals(5, forwardSplits(layer(12, 256, 3, 512, 1, 0), CudaMath.FP32, H200_FORWARD_SLOTS), "cv6");
        // A GPU of 28 multiprocessors (84 slots) runs cv5's 400 tiles in 5 waves: no split pays
        assertEquals(1, forwardSplits(layer(24, 96, 5, 256, 1, 0), CudaMath.FP32, 84), "cv5 on 84 slots");
        // TF32 on the tensor-core tile (an H100 holds 2 of its blocks per multiprocessor: 264 slots), 512 steps of
        // overhead a block: r7's 13 x 4 tiles -> 5 splits in one wave (measured best); cv12's 7 x 4 -> 9 (best);
        // cv5's 200 tiles and cv10's 169 stay unsplit (measured: 1 split fastest on both)
        assertEquals(5, forwardSplits(layer(7, 512, 3, 512, 1, 1), CudaMath.TF32, 264), "r7 tf32");
        assertEquals(9, forwardSplits(layer(7, 512, 3, 512, 1, 0), CudaMath.TF32, 264), "cv12 tf32");
        assertEquals(1, forwardSplits(layer(24, 96, 5, 256, 1, 0), CudaMath.TF32, 264), "cv5 tf32");
        assertEquals(1, forwardSplits(layer(28, 128, 3, 128, 1, 0), CudaMath.TF32, 264), "cv10 tf32");
        // the wide TF32 kernel (RGB input), with the SIMT tiles' 128 steps: cv7 unsplit
        assertEquals(1, forwardSplits(layer(224, 3, 3, 64, 1, 0), CudaMath.TF32, 528), "cv7 tf32");
        // cv1 reads the input directly; 363 reduction steps cannot be split
        assertEquals(1, forwardSplits(layer(227, 3, 11, 96, 4, 0), CudaMath.FP32, 660), "cv1");
    }

    @Test
    void fusedBackwardWhereItMeasuredFaster() {
        // at most 64 output channels: every such layer (cv3, cv4, cv7, cv9, the stem, res2)
        assertTrue(CudaMecWindowKernels.fusedBackwardFor(layer(224, 64, 7, 64, 2, 0), CudaMath.FP32), "cv4");
        assertTrue(CudaMecWindowKernels.fusedBackwardFor(layer(56, 64, 3, 64, 1, 1), CudaMath.FP32), "res2");
        // more channels: fused from 64 output rows (cv8: 110), solution A below (cv5: 20, cv10: 26, cv1: 55)
        assertTrue(CudaMecWindowKernels.fusedBackwardFor(layer(112, 64, 3, 128, 1, 0), CudaMath.FP32), "cv8");
        assertFalse(CudaMecWindowKernels.fusedBackwardFor(layer(24, 96, 5, 256, 1, 0), CudaMath.FP32), "cv5");
        assertFalse(CudaMecWindowKernels.fusedBackwardFor(layer(28, 128, 3, 128, 1, 0), CudaMath.FP32), "cv10");
        assertFalse(CudaMecWindowKernels.fusedBackwardFor(layer(227, 3, 11, 96, 4, 0), CudaMath.FP32), "cv1");
        // the bounds themselves: 64 rows of 65 channels is fused, 63 rows is not
        assertTrue(CudaMecWindowKernels.fusedBackwardFor(layer(66, 16, 3, 65, 1, 0), CudaMath.FP32), "64 rows");
        assertFalse(CudaMecWindowKernels.fusedBackwardFor(layer(65, 16, 3, 65, 1, 0), CudaMath.FP32), "63 rows");
        // TF32: fused wherever the tensor-core tiles run (cv5, cv10), by the FP32 rule elsewhere (cv1: i_c = 3)
        assertTrue(CudaMecWindowKernels.fusedBackwardFor(layer(24, 96, 5, 256, 1, 0), CudaMath.TF32), "cv5 tf32");
        assertTrue(CudaMecWindowKernels.fusedBackwardFor(layer(28, 128, 3, 128, 1, 0), CudaMath.TF32), "cv10 tf32");
        assertFalse(CudaMecWindowKernels.fusedBackwardFor(layer(227, 3, 11, 96, 4, 0), CudaMath.TF32), "cv1 tf32");
    }

    @Test
    void weightGradientAimsAtAFewBlocksPerMultiprocessor() {
        // cv7: k_h*k_w*i_c = 27 rows, 64 columns: one tile, the most splits
        assertEquals(CudaMecWindowKernels.MAX_DK_SPLITS,
                CudaMecWindowKernels.weightGradientPlan(layer(224, 3, 3, 64, 1, 0), H200_SMS).splits(), "cv7");
        // cv4: 49 tiles -> round(6.75 * 132 / 49) = 18 splits (measured on an H200: 12 splits 6.4 ms, 18 5.4, 48 5.1)
        assertEquals(18, CudaMecWindowKernels.weightGradientPlan(layer(224, 64, 7, 64, 2, 0), H200_SMS).splits(), "cv4");
        // cv12: 36 x 4 = 144 tiles of 128 x 128 -> round(6.75 * 132 / 144) = 6, but 800 reduction rows hold 3 splits
        assertEquals(3, CudaMecWindowKernels.weightGradientPlan(layer(7, 512, 3, 512, 1, 0), H200_SMS).splits(), "cv12");
        // cv12 under TF32: the tensor-core tile, 36 x 4 = 144 tiles -> round(6.19) = 6, but 800 reduction rows hold 3
        assertEquals(3, CudaMecWindowKernels.weightGradientPlan(layer(7, 512, 3, 512, 1, 0), H200_SMS, CudaMath.TF32)
                .splits(), "cv12 tf32");
        // cv1 under TF32 (i_c = 3): the wide TF32 kernel, 6 x 2 = 12 tiles -> round(74.25) = 74
        assertEquals(74, CudaMecWindowKernels.weightGradientPlan(layer(227, 3, 11, 96, 4, 0), H200_SMS, CudaMath.TF32)
                .splits(), "cv1 tf32");
        // cv8: 5 tiles of 128 x 128 -> 178 splits (measured on an H200: 119 splits 2.03 ms, 178 1.91, 238 1.90)
        assertEquals(178, CudaMecWindowKernels.weightGradientPlan(layer(112, 64, 3, 128, 1, 0), H200_SMS).splits(), "cv8");
    }

    @Test
    void weightGradientOfManyChannelsTakesTheLargeTile() {
        ConvGeometry cv8 = layer(112, 64, 3, 128, 1, 0);
        assertEquals(CudaMecWindowKernels.DK_LARGE, CudaMecWindowKernels.weightGradientPlan(cv8, H200_SMS).tile());
        assertEquals(CudaMecWindowKernels.TC_DKERNEL, CudaMecWindowKernels.weightGradientPlan(cv8, H200_SMS, CudaMath.TF32).tile());
        assertEquals(CudaMecWindowKernels.WIDE,
                CudaMecWindowKernels.weightGradientPlan(layer(227, 3, 11, 96, 4, 0), H200_SMS, CudaMath.TF32).tile());
        // cv1: 96 channels, 363 rows
        assertEquals(CudaMecWindowKernels.DK_LARGE,
                CudaMecWindowKernels.weightGradientPlan(layer(227, 3, 11, 96, 4, 0), H200_SMS).tile());
        // 64 channels (cv9), and 64 rows (a 1x1 layer on 64 channels) keep the wide tile
        assertEquals(CudaMecWindowKernels.WIDE,
                CudaMecWindowKernels.weightGradientPlan(layer(56, 64, 3, 64, 1, 0), H200_SMS).tile());
        assertEquals(CudaMecWindowKernels.WIDE,
                CudaMecWindowKernels.weightGradientPlan(layer(56, 64, 1, 256, 2, 0), H200_SMS).tile());
    }

    @Test
    void narrowOperandsGetNarrowTiles() {
        ConvGeometry cv7 = layer(224, 3, 3, 64, 1, 0);
        assertEquals(CudaMecWindowKernels.NARROW_ROWS, CudaMecWindowKernels.weightGradientPlan(cv7, H200_SMS).tile());
        assertEquals(CudaMecWindowKernels.NARROW_COLUMNS, CudaMecWindowKernels.loweredGradientPlan(cv7, CudaMath.FP32).tile());
        ConvGeometry cv3 = layer(227, 3, 7, 64, 2, 0);
        assertEquals(CudaMecWindowKernels.WIDE, CudaMecWindowKernels.weightGradientPlan(cv3, H200_SMS).tile());
        assertEquals(CudaMecWindowKernels.WIDE, CudaMecWindowKernels.loweredGradientPlan(cv3, CudaMath.FP32).tile());
        ConvGeometry cv9 = layer(56, 64, 3, 64, 1, 0);
        assertEquals(CudaMecWindowKernels.WIDE, CudaMecWindowKernels.loweredGradientPlan(cv9, CudaMath.FP32).tile());
        assertEquals(CudaMecWindowKernels.FORWARD_INPUT, CudaMecWindowKernels.forwardTile(cv7, CudaMath.FP32));
        assertEquals(CudaMecWindowKernels.FORWARD, CudaMecWindowKernels.forwardTile(cv9, CudaMath.FP32));
    }

    @Test
    void tf32ForwardRunsOnTensorCoresWhereChannelsComeInFours() {
        ConvGeometry cv9 = layer(56, 64, 3, 64, 1, 0);
        ConvGeometry cv8 = layer(112, 64, 3, 128, 1, 0);
        ConvGeometry cv7 = layer(224, 3, 3, 64, 1, 0);
        assertEquals(CudaMecWindowKernels.TC_FORWARD_NARROW, CudaMecWindowKernels.forwardTile(cv9, CudaMath.TF32));
        assertEquals(CudaMecWindowKernels.TC_FORWARD, CudaMecWindowKernels.forwardTile(cv8, CudaMath.TF32));
        assertEquals(CudaMecWindowKernels.WIDE, CudaMecWindowKernels.forwardTile(cv7, CudaMath.TF32), "i_c = 3");
        assertEquals(CudaMecWindowKernels.WIDE, CudaMecWindowKernels.forwardTile(layer(14, 8, 3, 42, 1, 1), CudaMath.TF32),
                "k_c = 42");
        // the backward's tensor-core tiles: the narrow weight-gradient tile up to 64 channels; RGB keeps the wide kernels
        assertEquals(CudaMecWindowKernels.TC_DKERNEL_NARROW,
                CudaMecWindowKernels.weightGradientPlan(cv9, H200_SMS, CudaMath.TF32).tile());
        assertEquals(CudaMecWindowKernels.TC_DKERNEL, CudaMecWindowKernels.weightGradientPlan(cv8, H200_SMS, CudaMath.TF32).tile());
        assertEquals(CudaMecWindowKernels.TC_DLOWERED, CudaMecWindowKernels.loweredGradientPlan(cv9, CudaMath.TF32).tile());
        assertEquals(CudaMecWindowKernels.WIDE,
                CudaMecWindowKernels.loweredGradientPlan(layer(227, 3, 7, 64, 2, 0), CudaMath.TF32).tile(), "cv3");
        assertEquals(CudaMecWindowKernels.NARROW_COLUMNS, CudaMecWindowKernels.loweredGradientPlan(cv7, CudaMath.TF32).tile());
        // shared memory of the backward's stages: dK [16][136] + [16][136], dL [128][20] + [128][20] floats, 4 stages
        assertEquals(69_632, CudaMecWindowKernels.TC_DKERNEL.sharedBytes());
        assertEquals(81_920, CudaMecWindowKernels.TC_DLOWERED.sharedBytes());
        // the tensor-core tiles read the input directly; FP32 lowers first where i_c % 4 == 0
        assertTrue(CudaMecWindowKernels.readsInputDirectly(cv9, CudaMath.TF32));
        assertFalse(CudaMecWindowKernels.readsInputDirectly(cv9, CudaMath.FP32));
        assertTrue(CudaMecWindowKernels.readsInputDirectly(cv7, CudaMath.FP32));
        // 4 warps of 64 x 64; 4 stages of A [128][20] and B [16][136] floats: 75,776 bytes of dynamic shared memory
        assertEquals("tc_128x128x16_64x64_4", CudaMecWindowKernels.TC_FORWARD.name());
        assertEquals(128, CudaMecWindowKernels.TC_FORWARD.threads());
        assertEquals(75_776, CudaMecWindowKernels.TC_FORWARD.sharedBytes());
        assertEquals(128, CudaMecWindowKernels.TC_FORWARD_NARROW.threads());
        assertEquals(0, CudaMecWindowKernels.WIDE.sharedBytes());
    }

    @Test
    void splitsCoverTheReductionOnceInWholeStages() {
        List<ConvGeometry> shapes = List.of(layer(227, 3, 11, 96, 4, 0), layer(7, 512, 3, 512, 1, 0),
                layer(112, 64, 3, 128, 1, 0),
                new ConvGeometry(1, 5, 5, 3, 5, 3, 3, 1, 4, 2, 1), new ConvGeometry(64, 10, 10, 8, 5, 3, 16, 2, 1, 2, 1));
        for (ConvGeometry g : shapes) {
            for (int sms : new int[] {1, 28, 132}) {
                for (CudaMecWindowKernels.Plan p : List.of(
                        CudaMecWindowKernels.forwardPlan(g, CudaMecWindowKernels.forwardTile(g, CudaMath.FP32), sms * 3L),
                        CudaMecWindowKernels.forwardPlan(g, CudaMecWindowKernels.forwardTile(g, CudaMath.TF32), sms * 4L),
                        CudaMecWindowKernels.weightGradientPlan(g, sms),
                        CudaMecWindowKernels.weightGradientPlan(g, sms, CudaMath.TF32))) {
                    assertEquals(0, p.splitLength() % CudaMecWindowKernels.BK, p.toString());
                    assertTrue((long) p.splits() * p.splitLength() >= p.reduction(), p.toString());
                    assertTrue((long) (p.splits() - 1) * p.splitLength() < p.reduction(), p.toString());
                    assertTrue(p.splits() == 1 || p.splitLength() >= CudaMecWindowKernels.MIN_SPLIT_LENGTH, p.toString());
                }
            }
        }
    }
}
