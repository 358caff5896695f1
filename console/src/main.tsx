import { render } from 'preact';
import { ConsoleApp } from './ui/console-app.js';
import './console.css';

const root = document.getElementById('app');
if (root) {
  render(<ConsoleApp />, root);
  performance.mark('console-first-render');
}
