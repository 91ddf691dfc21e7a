import { Router } from 'express';

// Placeholder: the web page issue (5) saves and lists named dashboards here.
export function dashboardRoutes(_options: { dataDir: string }): Router {
  return Router();
}
