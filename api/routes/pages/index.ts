import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { charsetProblem, contentCodingProblem, utf8Text } from '../../services/json-input';
import { opsPageRoutes } from './ops-pages';
import { FORM_BODY_LIMIT_BYTES, formFields, returnFormRoute, unreadableForms } from './return-form';
import { returnLabelRoute } from './return-label';
import { trackingPageOf, trackingPageRoute } from './tracking-page';

/**
 * The pages people look at, served by the API, registered in this order: the ops pages and their script (ops-pages.ts),
 * the customer's return form as posted (return-form.ts; its body parser below, for this plugin's routes only), the
 * customer tracking page (tracking-page.ts, its Returns card in returns-section.ts) and the customer's return label
 * (return-label.ts). Every page shares the frame of layout.ts; tracking links and their tokens are tracking-token.ts.
 */

const pages: FastifyPluginAsyncZod = async (app) => {
  opsPageRoutes(app);
  // The return form posts as a browser does: application/x-www-form-urlencoded (this plugin's routes only).
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'buffer', bodyLimit: FORM_BODY_LIMIT_BYTES },
    (request, body: Buffer, done) => {
      const contentType = request.headers['content-type'];
      const text = utf8Text(body);
      const form = text.ok ? formFields(text.text) : { unreadable: 'the form is not UTF-8 text' };
      const unreadable =
        contentCodingProblem(request.headers['content-encoding']) ??
        charsetProblem(typeof contentType === 'string' ? contentType : undefined) ??
        ('unreadable' in form ? form.unreadable : undefined);
      if (unreadable !== undefined) unreadableForms.set(request, unreadable);
      done(null, 'fields' in form ? form.fields : {});
    },
  );
  const trackingPage = trackingPageOf(app);
  returnFormRoute(app, trackingPage);
  trackingPageRoute(app, trackingPage);
  returnLabelRoute(app);
};

export default pages;
