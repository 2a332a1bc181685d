import { plainText } from '../../model/bidi.ts';

/** A name from the cloud: isolated from the text around it (<bdi>), without invisible formatting characters. */
export function Name({ text }: { text: string }) {
  return <bdi>{plainText(text)}</bdi>;
}
