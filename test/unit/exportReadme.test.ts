import { describe, expect, it } from 'vitest';
import { withDefaults } from '../../src/core/config';
import { exportReadme } from '../../src/core/exportReadme';

describe("the export's README.txt", () => {
  it('names the timm and safetensors a user needs and how to get the embedding and the probe features', () => {
    const text = exportReadme('clip', withDefaults({ objective: 'clip' }));
    expect(text).toContain('pip install "timm>=0.6.5" safetensors');
    expect(text).toContain('embedding = F.normalize(model(x), dim=-1)');
    expect(text).toContain('model.forward_head(model.forward_features(x), pre_logits=True)');
    expect(text).toMatch(/VisionTransformer\(.*class_token=False.*global_pool='avg'/);
  });

  it("states the ONNX encoder's input layout and size and shows onnxruntime-web and Python onnxruntime calls", () => {
    const text = exportReadme('xsample', withDefaults({ objective: 'xsample', model: { imageSize: 48, projDim: 24 } }));
    expect(text).toContain('input  "image": float32 [batch, 48, 48, 3], NHWC (channels last), RGB in [0, 1]');
    expect(text).toContain('output "embedding": float32 [batch, 24], unit L2 norm');
    expect(text).toContain("const session = await ort.InferenceSession.create('image_encoder.onnx');");
    expect(text).toContain("new ort.Tensor('float32', x, [1, 48, 48, 3])");
    expect(text).toContain("session = onnxruntime.InferenceSession('image_encoder.onnx'");
    expect(text).toContain("session.run(['embedding'], {'image': x})[0]  # (1, 24), unit rows");
  });

  it('says the TensorFlow.js files are for this app, not loadable by tfjs alone', () => {
    const text = exportReadme('clip', withDefaults({ objective: 'clip' }));
    expect(text).toMatch(/for re-import into this app/);
    expect(text).toMatch(/modelTopology is null\), so tf\.loadLayersModel and\s+tf\.loadGraphModel cannot run it/);
  });
});
