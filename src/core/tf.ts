// tfjs-core with every gradient registered: the one import of tfjs for the DOM-free core.
import '@tensorflow/tfjs-core/dist/register_all_gradients';

export * from '@tensorflow/tfjs-core';
