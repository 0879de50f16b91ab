/**
 * Renderer entry (placeholder until the desktop-app issue brings the Svelte
 * app). It runs in the browser sandbox and must never import Node modules.
 */
const root = document.getElementById('app');
if (root) root.dataset.ready = 'true';
