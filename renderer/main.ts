/**
 * Renderer entry. Runs in the browser sandbox (Electron window or the web
 * bridge's page) and never imports Node modules: it reaches the engine only
 * through the EngineApi picked here (window.gnc in Electron, else HTTP).
 */
import { mount } from 'svelte';
import './src/app.css';
import App from './src/App.svelte';
import { selectApi } from './src/lib/api/select.js';

const target = document.getElementById('app');
if (!target) throw new Error('index.html has no #app element');
target.textContent = '';
const choice = selectApi(window);
mount(App, { target, props: choice.api ? { api: choice.api } : { startupError: choice.error } });
target.dataset.ready = 'true';
