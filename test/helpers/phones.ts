import { RequestPhoneVerificationDocument, VerifyPhoneDocument, type CareConnectClient } from '../../sdk/index';
import type { FakeTwilio } from './fakes/fake-sms';
import { eventually } from './wait';

/** Verifies a number through the API, reading the code from the SMS as a person would; whether it is verified now. */
export async function verifyPhoneBySms(client: CareConnectClient, twilio: FakeTwilio, phone: string): Promise<boolean> {
  await client.request(RequestPhoneVerificationDocument, { phone });
  const [sms] = await eventually(async () => twilio.to(phone), (m) => m.length > 0);
  const code = /\b(\d{6})\b/.exec(sms.text)![1];
  return (await client.request(VerifyPhoneDocument, { code })).verifyPhone.phoneVerified;
}
