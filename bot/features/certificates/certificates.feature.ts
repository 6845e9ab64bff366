import { Composer } from '../../composer.ts';
import type { BotContext } from '../../context.ts';
import { myRequestsFeature } from './my-requests.feature.ts';
import { orderFeature } from './order.feature.ts';

/** The employee's side of certificates in the private chat: ordering («Справки») and «Мои заявки». */
export function certificatesFeature(labels: { order: string[]; mine: string[] }) {
  const feature = new Composer<BotContext>();
  // «Мои заявки» first: its menu button must not be read as a typed answer to an open question.
  feature.use(myRequestsFeature(labels.mine));
  feature.use(orderFeature(labels.order));
  return feature;
}
