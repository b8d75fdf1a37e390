// tfjs-core with every gradient registered: the one import of tfjs for the DOM-free core.
// tfjs-core itself first (it registers its flags), then the gradients: Vite's dev pre-bundling puts them in
// separate chunks, and the other order reads the DEBUG flag before it exists.
import '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';

export * from '@tensorflow/tfjs-core';
