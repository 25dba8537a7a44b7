export { FixedWindowLimiter, type WindowState } from './fixed-window';
