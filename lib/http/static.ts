import { Router } from 'express';

// Placeholder: the web page issue (5) serves public/ and d3 from node_modules here.
export function staticRoutes(): Router {
  return Router();
}
