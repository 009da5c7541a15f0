import { webUiUrl } from '../../services/workflows';
import { trackingPath } from '../pages/tracking-token';
import type { RoutesApp } from '../route-app';

/** The links an order's answers carry: its status, its workflow in Temporal's UI, its customer tracking page. */
export interface OrderLinks {
  uiLink(workflowId: string): string;
  statusUrl(orderId: string): string;
  trackingUrl(orderId: string): string;
}

export function orderLinks(app: RoutesApp): OrderLinks {
  const trackingSecretKey = app.config.trackingSecret;
  return {
    uiLink: (workflowId) => webUiUrl(app.config.temporalUiUrl, app.temporal.options.namespace, workflowId),
    statusUrl: (orderId) => `${app.config.publicUrl ?? ''}/orders/${orderId}`,
    trackingUrl: (orderId) => `${app.config.publicUrl ?? ''}${trackingPath(orderId, trackingSecretKey)}`,
  };
}
