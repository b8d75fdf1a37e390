import { describe, expect, it } from 'vitest';
import { withDefaults } from '../../src/core/config';
import { exportReadme } from '../../src/worker/runExport';

describe("the export's README.txt", () => {
  it('names the timm and safetensors a user needs and how to get the embedding and the probe features', () => {
    const text = exportReadme('clip', withDefaults({ objective: 'clip' }));
    expect(text).toContain('pip install "timm>=0.6.5" safetensors');
    expect(text).toContain('embedding = F.normalize(model(x), dim=-1)');
    expect(text).toContain('model.forward_head(model.forward_features(x), pre_logits=True)');
    expect(text).toMatch(/VisionTransformer\(.*class_token=False.*global_pool='avg'/);
  });
});
