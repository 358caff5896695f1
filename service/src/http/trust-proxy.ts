import proxyAddr from 'proxy-addr';

export type TrustSetting = boolean | number | string[];

/**
 * Express `trust proxy` as a function. Besides the configured setting, when the service listens on a
 * unix socket the socket peer (which has no address) is trusted as the first proxy: only local processes
 * such as nginx can connect, so X-Forwarded-For from it names the real client.
 */
export function trustProxyFunction(
  setting: TrustSetting,
  listeningOnSocket: boolean,
): (addr: string, i: number) => boolean {
  let configured: (addr: string, i: number) => boolean;
  if (setting === true) configured = () => true;
  else if (setting === false) configured = () => false;
  else if (typeof setting === 'number') configured = (_addr, i) => i < setting;
  else configured = proxyAddr.compile(setting);
  return (addr, i) => {
    if (listeningOnSocket && i === 0 && !addr) return true;
    return configured(addr, i);
  };
}
