export { API_PREFIX, buildApp } from './app.ts';
export { loadApiConfig, type ApiConfig } from './config.ts';
